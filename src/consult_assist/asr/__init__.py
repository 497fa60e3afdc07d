"""Speech recognition: VAD, segmenter, commit policy, guards (pure) and the whisper adapter."""
