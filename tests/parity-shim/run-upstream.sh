#!/usr/bin/env bash
# Manual check of the parity driver against the real upstream code, with the test-only modules of this folder.
# Usage: tests/parity-shim/run-upstream.sh STEP_AUDIO_DIR WHISPER_SRC S3TOKENIZER_SRC EXTRACT_DIR WORK_DIR [worker parity options]
#   STEP_AUDIO_DIR   a Step-Audio-EditX checkout (tokenizer.py, funasr_detach/)
#   WHISPER_SRC      an openai/whisper checkout (the folder that holds whisper/)
#   S3TOKENIZER_SRC  an xingchensong/S3Tokenizer checkout (the folder that holds s3tokenizer/)
# The tokenizer dir is the fixture bundle; Debian's /usr/bin/python3 runs the reference (see README.md here).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
[ $# -ge 5 ] || { sed -n '2,7p' "$0"; exit 2; }
step_audio=$1 whisper=$2 s3tokenizer=$3 extract=$4 work=$5
shift 5
dotnet build "$repo/worker" -v q -nologo >/dev/null
export PYTHONPATH="$here:$whisper:$s3tokenizer"
exec dotnet "$repo/worker/bin/Debug/net10.0/SpeechPairs.Worker.dll" parity \
  --extract-dir "$extract" --work-dir "$work" \
  --tokenizer-dir "$repo/tests/fixtures/vq0206/Step-Audio-Tokenizer" \
  --reference-python /usr/bin/python3 --step-audio-dir "$step_audio" "$@"
