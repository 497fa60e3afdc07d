"""faster-whisper adapter: one loaded model, blocking decodes safe to run from worker threads.

This re-implements part of faster-whisper 1.2.1 (pinned in pyproject.toml): the prompt layout,
the score to average log-prob, and the compression-ratio / log-prob fallback of its
``generate_with_fallback``, and the feature padding of ``generate_segments``;
``tests/e2e/test_real_model.py`` checks a decode against the library's own ``transcribe``.
Two differences matter:

* **The encoder window.** ``WhisperModel.transcribe`` always pads to 30 s, and the base encoder
  on 30 s costs about 1 s on two cores, whatever the utterance length; CTranslate2 accepts a
  shorter mel, so each request is encoded on its own length plus a margin, rounded up to
  ``window_step_s`` (a 3 s utterance costs ~0.1 s). ``bench asr`` reports the CER this costs
  against the plain 30-s ``transcribe`` of the same model.
* **Batches across calls.** :meth:`WhisperTranscriber.decode_batch` decodes requests of many
  calls at once: one encoder pass over their windows (each padded to the longest) and one
  ``generate`` with a prompt per item, per beam width. faster-whisper's own batched pipeline
  batches chunks of one file under one prompt; CTranslate2 takes a prompt per item.
  ``bench capacity`` and ``tests/e2e/test_real_model.py`` measure what padding does to CER.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from consult_assist.asr.decoding import DecodeKind, DecodeRequest, DecodeResult
from consult_assist.asr.guards import compression_ratio
from consult_assist.errors import ModelError

__all__ = ["WhisperOptions", "WhisperTranscriber", "pad_groups", "pick_device"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class WhisperOptions:
    """How the model is loaded and decodes."""

    model: str
    """A CTranslate2 model directory or a faster-whisper model name."""
    device: str = "auto"
    """``auto`` (CUDA when available), ``cpu`` or ``cuda``."""
    compute_type: str = "default"
    """``default`` = int8 on CPU, float16 on CUDA; any CTranslate2 compute type otherwise."""
    cpu_threads: int = 0
    """Threads per decode on CPU; 0 = all cores divided by ``num_workers``."""
    num_workers: int = 1
    """Decodes that may run at once (CTranslate2 model replicas sharing the weights)."""
    language: str = "ja"
    beam_size: int = 5
    """Beam width of finals."""
    partial_beam_size: int = 1
    """Beam width of partials (greedy: they are replaced anyway)."""
    window_step_s: float = 2.0
    """Encoder windows are the request length rounded up to this step (max 30 s)."""
    min_window_s: float = 6.0
    """Shortest encoder window of a final."""
    partial_min_window_s: float = 4.0
    """Shortest encoder window of a partial: the margin after the audio is kept, the extra
    silence a final gets is not (a partial of up to 2 s of speech costs 2/3 of the encoder
    time; partials are most of a call's decoding)."""
    window_margin_s: float = 2.0
    """Silence after the audio inside the window. With less than ~2 s, base re-reads short
    utterances ("女の子が女の子が"); measured on the sample calls."""
    hotwords: str = ""
    """Domain terms put in the decoder context (empty = none)."""
    fallback_temperatures: tuple[float, ...] = (0.4,)
    """Sampling temperatures tried for a final whose decode looks like a loop or is unsure."""
    tokens_per_second: float = 12.0
    """Cap on generated tokens per second of audio: a loop cannot outrun the speech."""
    max_pad_ratio: float = 1.0
    """In a batch, a window may be padded to at most this many times its own length; longer
    ones are encoded and decoded as another group. At 1.0 only windows of the same length
    share a group: no encoder time is spent on padding, and each result is exactly the one the
    request would get alone (padding changes the encoder's output: at 1.5, ~25 % of finals
    changed a character or more, ±1.5 CER points on one call; measured on the samples)."""
    partial_max_pad_ratio: float = 1.0
    """The same for partials, which the final replaces (padding would change only words
    that are replaced anyway). On a CPU five beams cost ~1.5 × one, so a batch of partials
    should save decoder time; but at 1.5, live on 2 cores with 4 calls, batches still
    rarely formed and nothing was gained (bench capacity, docs/benchmarks.md): left at 1.0
    until a GPU run, where many partials coincide, says otherwise."""


def pick_device(device: str) -> str:
    """Resolve ``auto`` to ``cuda`` when CTranslate2 sees a GPU, else ``cpu``."""
    if device != "auto":
        return device
    import ctranslate2  # lazy: ~0.2 s to import; only resolving "auto" needs it

    try:
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:
        return "cpu"


def _default_compute(device: str) -> str:
    return "float16" if device == "cuda" else "int8"


class WhisperTranscriber:
    """The shared speech model; :meth:`decode` is thread-safe (one replica per worker)."""

    def __init__(self, options: WhisperOptions) -> None:
        from faster_whisper import WhisperModel  # lazy: ~0.5 s to import; only loading needs it
        from faster_whisper.tokenizer import Tokenizer  # lazy: start-up cost, as above
        from faster_whisper.transcribe import get_suppressed_tokens  # lazy: as above

        self.options = options
        self.device = pick_device(options.device)
        compute = options.compute_type
        if compute == "default":
            compute = _default_compute(self.device)
        self.compute_type = compute
        threads = options.cpu_threads
        if threads <= 0 and self.device == "cpu":
            threads = max(1, (os.cpu_count() or 1) // max(1, options.num_workers))
        started = time.perf_counter()
        try:
            self.model = WhisperModel(
                options.model,
                device=self.device,
                compute_type=compute,
                cpu_threads=max(0, threads),
                num_workers=options.num_workers,
                local_files_only=_is_local(options.model),
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(_load_error(options.model, self.device, exc)) from exc
        except Exception as exc:  # huggingface_hub errors when offline, etc.
            raise ModelError(_load_error(options.model, self.device, exc)) from exc
        self.load_s = time.perf_counter() - started
        self.tokenizer = Tokenizer(
            self.model.hf_tokenizer,
            self.model.model.is_multilingual,
            task="transcribe",
            language=options.language,
        )
        self._suppress = get_suppressed_tokens(self.tokenizer, [-1])
        self._hop = self.model.feature_extractor.hop_length
        self._rate = self.model.feature_extractor.sampling_rate
        log.info("loaded %s on %s/%s in %.1f s", options.model, self.device, compute, self.load_s)

    def warm_up(self, max_batch: int) -> float:
        """Decode a throwaway batch of each kind before the first call; returns its seconds.

        A model's first decodes pay one-time costs (allocations; on a GPU, loading and
        compiling the kernels of each batch shape): a cold server on an H200 sat ~20 s with the
        GPU idle before its first 40 calls were decoded, while one already warmed by another
        process started at once. On a GPU the throwaway batch is ``max_batch`` requests of each
        kind (finals and partials decode with different beams); on a CPU one of each, ~1 s.
        A broken GPU setup (missing cuBLAS/cuDNN) fails here, at start, not at the first call.
        """
        started = time.perf_counter()
        count = max(1, max_batch) if self.device != "cpu" else 1
        noise = np.random.default_rng(0).normal(0.0, 0.05, self._rate).astype(np.float32)
        kinds: tuple[DecodeKind, ...] = ("final", "partial")
        requests = [
            DecodeRequest(
                stream="warm-up",
                id=i,
                kind=kind,
                utterance=i,
                audio=noise,
                start=0.0,
                end=1.0,
                prefix="",
                issued_at=0.0,
                speech_ratio=1.0,
            )
            for kind in kinds
            for i in range(count)
        ]
        try:
            self.decode_batch(requests)
        except Exception as exc:  # CUDA/cuDNN errors surface as RuntimeError or OSError
            raise ModelError(_load_error(self.options.model, self.device, exc)) from exc
        seconds = time.perf_counter() - started
        log.info(
            "warmed up %s on %s with %d request(s) in %.1f s",
            self.options.model,
            self.device,
            len(requests),
            seconds,
        )
        return seconds

    def window_frames(self, n_samples: int, kind: DecodeKind = "final") -> int:
        """Mel frames of the encoder window for ``n_samples`` of audio of a ``kind`` request."""
        opts = self.options
        shortest = opts.min_window_s if kind == "final" else opts.partial_min_window_s
        seconds = n_samples / self._rate + opts.window_margin_s
        seconds = max(shortest, math.ceil(seconds / opts.window_step_s) * opts.window_step_s)
        seconds = min(30.0, seconds)
        return int(seconds * self._rate / self._hop)

    def decode(self, request: DecodeRequest) -> DecodeResult:
        """Transcribe one request (a batch of one)."""
        return self.decode_batch([request])[0]

    def decode_batch(self, requests: Sequence[DecodeRequest]) -> list[DecodeResult]:
        """Transcribe requests of any streams together; one result per request, in order.

        Requests that decode alike (the same beam width, windows of similar length) share one
        encoder pass over their windows, each padded to the longest, and one ``generate`` with
        a prompt per item; finals (beam ``beam_size``) and partials (``partial_beam_size``)
        never share a group.
        Finals that look like a loop or are unsure are decoded again by sampling, together.
        """
        started = time.perf_counter()
        found: dict[int, _Decoded] = {}
        for beam, indices in self._groups(requests):
            items = [requests[i] for i in indices]
            for i, decoded in zip(indices, self._decode_group(items, beam), strict=True):
                found[i] = decoded
        share = (time.perf_counter() - started) / max(1, len(requests))
        return [
            DecodeResult(
                request=request,
                text=found[i].text,
                avg_logprob=found[i].avg_logprob,
                no_speech_prob=found[i].no_speech_prob,
                compute_s=share,
                batch_size=len(requests),
            )
            for i, request in enumerate(requests)
        ]

    def _groups(self, requests: Sequence[DecodeRequest]) -> list[tuple[int, list[int]]]:
        """Indices of the requests decoded together (see :func:`pad_groups`)."""
        return pad_groups(
            [(self._beam(r), self._frames(r), r.kind == "partial") for r in requests],
            final_ratio=self.options.max_pad_ratio,
            partial_ratio=self.options.partial_max_pad_ratio,
        )

    def _frames(self, request: DecodeRequest) -> int:
        return self.window_frames(len(request.audio[: 30 * self._rate]), request.kind)

    def _beam(self, request: DecodeRequest) -> int:
        return self.options.beam_size if request.kind == "final" else self.options.partial_beam_size

    def _decode_group(self, items: list[DecodeRequest], beam: int) -> list[_Decoded]:
        import ctranslate2  # lazy: start-up cost; already loaded with the model by now

        audios = [r.audio[: 30 * self._rate] for r in items]
        frames = max(self._frames(r) for r in items)
        encoder_output = self._encode(audios, frames)
        prompts = [self._prompt(r.prefix) for r in items]
        # One call has one length limit; each item is cut to its own budget afterwards.
        limits = [
            min(self.model.max_length, len(prompt) + self._budget(audio))
            for (prompt, _), audio in zip(prompts, audios, strict=True)
        ]
        decoded = self._generate(encoder_output, prompts, limits, beam)
        unsure = [
            j
            for j, (r, d) in enumerate(zip(items, decoded, strict=True))
            if r.kind == "final" and _unsure(r.prefix, d) and d.no_speech_prob < 0.6
        ]
        for temperature in self.options.fallback_temperatures:
            if not unsure:
                break
            subset = self._subset(encoder_output, audios, unsure, frames)
            with _SAMPLING:
                # Sampling draws from CTranslate2's one random generator: seeded by the audio,
                # the same utterance decodes the same live and offline, whatever ran before.
                ctranslate2.set_random_seed(_seed(audios[j] for j in unsure))
                alts = self._generate(
                    subset,
                    [prompts[j] for j in unsure],
                    [limits[j] for j in unsure],
                    1,
                    temperature,
                )
            for j, alt in zip(unsure, alts, strict=True):
                if alt.avg_logprob > decoded[j].avg_logprob:
                    decoded[j] = alt
            unsure = [j for j in unsure if _unsure(items[j].prefix, decoded[j])]
        return decoded

    def _budget(self, audio: np.ndarray[Any, Any]) -> int:
        """Most tokens a request may generate: a loop cannot outrun the speech."""
        return int(len(audio) / self._rate * self.options.tokens_per_second) + 8

    def _encode(self, audios: Sequence[np.ndarray[Any, Any]], frames: int) -> Any:
        """One encoder pass over every window, each padded to the longest with silence.

        The mel features of each item are computed on its own audio (normalised on its own
        loudness, as a decode of that item alone would be), then padded with zeros up to the
        window of the longest item, as faster-whisper pads the last window of a file.
        """
        import ctranslate2  # lazy: start-up cost; already loaded with the model by now

        # As faster-whisper's transcribe: the last frame (of the extractor's own padding) is
        # not content and is left out.
        features = [self.model.feature_extractor(audio)[:, :-1] for audio in audios]
        batch = np.zeros((len(features), features[0].shape[0], frames), dtype=np.float32)
        for i, f in enumerate(features):
            n = min(frames, f.shape[-1])
            batch[i, :, :n] = f[:, :n]
        view = ctranslate2.StorageView.from_array(batch)
        return self.model.model.encode(view, to_cpu=False)

    def _subset(
        self,
        encoder_output: Any,
        audios: Sequence[np.ndarray[Any, Any]],
        rows: list[int],
        frames: int,
    ) -> Any:
        """The encoder output of ``rows`` only (a copy on CPU; encoded again on a GPU)."""
        import ctranslate2  # lazy: as above

        if len(rows) == len(audios):
            return encoder_output
        if self.device == "cpu":
            picked = np.ascontiguousarray(np.asarray(encoder_output)[rows])
            return ctranslate2.StorageView.from_array(picked)
        return self._encode([audios[j] for j in rows], frames)

    def _prompt(self, prefix: str) -> tuple[list[int], int]:
        """The decoder prompt, and how many of its last tokens are the forced prefix."""
        tok = self.tokenizer
        prompt: list[int] = []
        hotwords = self.options.hotwords.strip()
        if hotwords and not prefix:
            prompt.append(tok.sot_prev)
            prompt.extend(tok.encode(" " + hotwords)[: self.model.max_length // 4])
        prompt.extend(tok.sot_sequence)
        prompt.append(tok.no_timestamps)
        prefix_tokens = tok.encode(prefix.strip())[: self.model.max_length // 4] if prefix else []
        prompt.extend(prefix_tokens)
        return prompt, len(prefix_tokens)

    def _generate(
        self,
        encoder_output: Any,
        prompts: Sequence[tuple[list[int], int]],
        limits: Sequence[int],
        beam: int,
        temperature: float = 0.0,
    ) -> list[_Decoded]:
        """One ``generate`` over the batch: text, average log-prob and no-speech probability."""
        kwargs: dict[str, Any]
        if temperature > 0:
            kwargs = {"beam_size": 1, "sampling_topk": 0, "sampling_temperature": temperature}
        else:
            kwargs = {"beam_size": beam}
        results = self.model.model.generate(
            encoder_output,
            [prompt for prompt, _ in prompts],
            max_length=max(limits),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            **kwargs,
        )
        out: list[_Decoded] = []
        for result, (prompt, n_prefix), limit in zip(results, prompts, limits, strict=True):
            # CTranslate2 returns the forced prefix tokens at the head of the sequence; an item
            # whose own limit is below the batch's is cut where it would have stopped alone.
            generated = result.sequences_ids[0][n_prefix : n_prefix + limit - len(prompt)]
            tokens = [t for t in generated if t < self.tokenizer.eot]
            seq_len = len(tokens)
            score = float(result.scores[0])
            avg_logprob = score * seq_len / (seq_len + 1) if seq_len else -10.0
            # A token budget can end inside a multi-byte character: drop the replacement char.
            text = self.tokenizer.decode(tokens).replace("\ufffd", "").strip()
            out.append(_Decoded(text, avg_logprob, float(result.no_speech_prob)))
        return out

    def transcribe_file_offline(self, audio: np.ndarray[Any, Any]) -> tuple[str, float]:
        """Plain ``WhisperModel.transcribe`` of a whole recording (the offline baseline).

        Returns the text and the compute seconds.
        """
        started = time.perf_counter()
        segments, _info = self.model.transcribe(
            audio,
            language=self.options.language,
            beam_size=self.options.beam_size,
            vad_filter=False,
            condition_on_previous_text=False,
            hotwords=self.options.hotwords or None,
        )
        text = "".join(s.text for s in segments)
        return text, time.perf_counter() - started


def pad_groups(
    items: Sequence[tuple[int, int, bool]], *, final_ratio: float, partial_ratio: float
) -> list[tuple[int, list[int]]]:
    """Which requests share one encoder pass and one ``generate`` (pure).

    ``items`` are (beam width, window frames, is a partial) per request. A group has one beam
    width, and its windows are padded to its longest: a window may grow to at most
    ``final_ratio`` × its length, or ``partial_ratio`` × in a group of partials only. Returns
    (beam, indices) per group, shortest windows first.
    """
    by_beam: dict[int, list[int]] = {}
    for i, (beam, _, _) in enumerate(items):
        by_beam.setdefault(beam, []).append(i)
    out: list[tuple[int, list[int]]] = []
    for beam, indices in by_beam.items():
        partials = all(items[i][2] for i in indices)
        ratio = partial_ratio if partials else final_ratio
        group: list[int] = []
        for i in sorted(indices, key=lambda i: items[i][1]):
            if group and items[i][1] > ratio * items[group[0]][1]:
                out.append((beam, group))
                group = []
            group.append(i)
        out.append((beam, group))
    return out


_SAMPLING = threading.Lock()
"""Held while seeding and sampling: the random generator is shared by every worker."""


def _seed(audios: Iterable[np.ndarray[Any, Any]]) -> int:
    """A sampling seed that depends only on the audio decoded."""
    crc = 0
    for audio in audios:
        crc = zlib.crc32(np.ascontiguousarray(audio).tobytes(), crc)
    return crc


@dataclass(frozen=True)
class _Decoded:
    text: str
    avg_logprob: float
    no_speech_prob: float


def _unsure(prefix: str, decoded: _Decoded) -> bool:
    """A final worth decoding again: it looks like a loop, or the model doubts it."""
    return compression_ratio(prefix + decoded.text) > 2.4 or decoded.avg_logprob < -1.0


def _is_local(model: str) -> bool:
    return Path(model).is_dir()


def _load_error(model: str, device: str, exc: BaseException) -> str:
    text = str(exc)
    if "CUDA" in text or "cuda" in text or "cublas" in text.lower():
        return (
            f"cannot load {model} on {device}: {text.splitlines()[0] if text else exc!r}; "
            "use --device cpu, or install the CUDA 12 cuBLAS/cuDNN libraries CTranslate2 needs"
        )
    if not _is_local(model):
        return (
            f"cannot load the model {model!r}: it is not a local model directory and could not "
            "be downloaded (no network?); use `consult-assist models list` and --model with an "
            "installed model"
        )
    return f"cannot load the model in {model}: {text or exc!r}"
