#!/usr/bin/env bash
# Regenerates the sample clips from their transcripts with espeak-ng and ffmpeg (Debian packages:
# apt-get install espeak-ng ffmpeg). The committed clips were made with this script; the
# transcripts (*.txt) are what the sandbox returns for them, since the sandbox recognises no speech.
set -euo pipefail
cd "$(dirname "$0")"
make_clip() {  # name voice speed size colour
  local name=$1 voice=$2 speed=$3 size=$4 colour=$5 tmp
  tmp=$(mktemp -d)
  # One sentence per line: espeak-ng pauses between them, which gives real pauses to detect.
  espeak-ng -v "$voice" -s "$speed" -g 12 -w "$tmp/speech.wav" -f "$name.txt"
  # A second of silence on each side, like a real clip's lead-in and tail.
  ffmpeg -nostdin -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono:d=1" -i "$tmp/speech.wav" \
    -f lavfi -i "anullsrc=r=22050:cl=mono:d=1" -filter_complex "[0:a][1:a][2:a]concat=n=3:v=0:a=1[a]" \
    -map "[a]" "$tmp/padded.wav"
  # The picture lasts exactly as long as the sound (-shortest overshoots with lavfi sources).
  duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/padded.wav")
  ffmpeg -nostdin -v error -y -f lavfi -i "color=c=$colour:s=$size:r=10:d=$duration" -i "$tmp/padded.wav" \
    -t "$duration" -c:v libx264 -preset veryslow -crf 40 -pix_fmt yuv420p -c:a aac -b:a 32k -ac 1 \
    -movflags +faststart "$name.mp4"
  rm -r "$tmp"
}
make_clip zh_demo cmn 150 320x180 0x203040
make_clip en_demo en-us 150 320x180 0x304020
ls -l ./*.mp4
