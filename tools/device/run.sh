#!/bin/bash
# GPU machine only (made by tools/device_pack.py, carried with the last piece): join the pieces,
# install the wheels and model, smoke-test the GPU path, run bench capacity. Env: SMOKE=0,
# CALLS=30,60,100,200, BENCH_S (seconds), STAGGER, EXTRA (more bench flags).
set -u
export PYTHONUNBUFFERED=1
R=$PWD; S=/tmp/stage; mkdir -p $S
cp "$(dirname "$0")"/part.* $S/ 2>/dev/null
cd $S && cat part.* | tar x && cd $R || exit 1
t=$(date +%s)
python3 -m pip install -q --upgrade --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site $S/whl/*.whl || exit 1
cp -r $S/shim/av /tmp/site/
mkdir -p /tmp/site/sudachidict_core/resources /tmp/m; touch /tmp/site/sudachidict_core/__init__.py
unxz() { python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'), 1<<24)" "$1" "$2"; }
unxz $S/system.dic.xz /tmp/site/sudachidict_core/resources/system.dic &
unxz $S/model.bin.xz /tmp/m/model.bin; wait
cp $S/model/*.json /tmp/m/
L=/tmp/cudalibs; mkdir -p $L; dirs=$L
for n in cublas cublasLt; do f=$(find /opt /usr -name "lib$n.so.13*" 2>/dev/null | head -1); ln -sf "$f" $L/lib$n.so.12; dirs=$dirs:$(dirname "$f"); done
c=$(find /opt /usr -name "libcudnn.so.9*" 2>/dev/null | head -1); [ -n "$c" ] && dirs=$dirs:$(dirname "$c")
export LD_LIBRARY_PATH=$dirs:${LD_LIBRARY_PATH:-}
export PYTHONPATH=/tmp/site:$R/src
echo "setup $(( $(date +%s) - t )) s; libs $dirs"; ls -la /tmp/m
nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv
python3 -c "import ctranslate2 as c; print('ct2', c.__version__, 'cuda devices', c.get_cuda_device_count())"
[ "${SMOKE:-1}" = 0 ] || timeout 120 python3 $S/smoke.py /tmp/m $S/calls/neglect.wav cuda float16 1,8,32,64,128 | tee $OUT/smoke.json || { echo SMOKE FAILED; exit 3; }
nvidia-smi dmon -s um -d 1 > $OUT/dmon.txt 2>&1 &
timeout ${BENCH_S:-380} python3 -c "import sys; from consult_assist.cli import main; sys.argv[0]='consult-assist'; main()" \
  bench capacity --device cuda --compute-type float16 --model /tmp/m --calls ${CALLS:-30,60,100,200,300} \
  --seconds 30 --stagger ${STAGGER:-0.05} --p95 0.8 --out $OUT/capacity.json ${EXTRA:-} $S/calls/*.wav > $OUT/stdout.txt 2> $OUT/log.txt
echo "bench rc $?"; kill %1 2>/dev/null
grep -v '^\s*$' $OUT/log.txt | tail -25
