#!/usr/bin/env bash
# Rebuilds demo/demo.7z, the default archive of pipeline.proj, from the fixture WAVs in tests/fixtures.
# Needs 7-Zip's 7zz (Debian/Ubuntu: apt-get install 7zip; macOS: brew install sevenzip).
# Usage: demo/make-demo.sh   (from anywhere; writes demo/demo.7z)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cases="$here/../tests/fixtures/vq0206/cases"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

# clip <fixture case> <path in the archive, without extension> [transcript]  (no transcript: unpaired .wav)
clip() {
  mkdir -p "$stage/$(dirname "$2")"
  cp "$cases/$1/input.wav" "$stage/$2.wav"
  if [ $# -ge 3 ]; then printf '%s' "$3" > "$stage/$2.lab"; fi
}

clip p01_cmn_48k_stereo_s16      "中文 - Chinese/旅行者 - 问候"            "你好，欢迎来到提瓦特。"            # 48 kHz stereo int16
clip p03_cmn_44k1_s24            "中文 - Chinese/派蒙 - 晚餐"              "今天晚上吃什么好呢？"              # 44.1 kHz 24-bit
clip p05_cmn_16k_s16_len_38400   "中文 - Chinese/钟离 - 契约"              "契约已成。"                        # 16 kHz int16
clip p06_short_0p02s_16k         "中文 - Chinese/短句 - 嗯"                "嗯。"                              # 0.02 s: no tokens
clip p07_silence_1s_16k          "中文 - Chinese/静音 - 一秒"              "……"                                # 1 s of silence
clip p02_en_48k_mono_s16         "English - 英语/Traveler - Hello there"   "Hello there, welcome to Teyvat."   # 48 kHz mono int16
clip p04_yue_22k05_f32_peak1p25  "粤语 - Cantonese/Paimon - 早晨"          "早晨！今日去边度玩？"              # 22.05 kHz float32
clip p05_cmn_16k_s16_len_38400   "带变量语音 - Placeholder/旅行者 - 称呼"  "你好，{NICKNAME}。"                # excluded by default
clip p07_silence_1s_16k          "Unpaired - 无文本/orphan clip"                                               # .wav without .lab
mkdir -p "$stage/Broken - 损坏"
head -c 2000 /dev/zero | tr '\0' 'x' > "$stage/Broken - 损坏/corrupt clip.wav"                                # not a WAV
printf '%s' "这个文件坏了。" > "$stage/Broken - 损坏/corrupt clip.lab"
printf '%s\n' "Not extracted: only *.wav and *.lab are." > "$stage/readme.txt"

# Fixed timestamps keep the archive's bytes stable from one run to the next.
find "$stage" -exec touch -h -d '2026-01-01 00:00:00' {} +
rm -f "$here/demo.7z"
(cd "$stage" && 7zz a -t7z -ms=on -mx=9 -bso0 -bsp0 "$here/demo.7z" -- *)
ls -l "$here/demo.7z"
