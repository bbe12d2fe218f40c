#!/usr/bin/env bash
# Regenerates the sample clips from their transcripts with espeak-ng and ffmpeg (Debian packages:
# apt-get install espeak-ng ffmpeg). The committed clips were made with this script; the
# transcripts (*.txt) are what the sandbox returns for them, since the sandbox recognises no speech.
#
# The vertical clips (X.vertical*.mp4) are what the sandbox's stand-in platforms serve for share
# links: 1080x1920 pictures like Douyin/Xiaohongshu/Kuaishou videos, carrying the landscape
# clip's AAC track stream-copied, so their sound is bit for bit the sound X.txt was registered
# for. `make_samples.sh --vertical-only` rebuilds just those from the committed X.mp4 (no espeak-ng).
#
# zh_dialogue.mp4 is two voices taking turns, line by line as zh_dialogue.speakers.txt says
# (`make_samples.sh --dialogue-only` rebuilds just that one).
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
rotate_like_a_phone() {  # stored target rotation
  # A phone's "rotate=90" means "turn 90 degrees clockwise to show"; ffprobe reports that display
  # matrix as rotation=-90. ffmpeg 6+ sets it with -display_rotation (counter-clockwise degrees).
  # ffmpeg 5.x only has the rotate tag, and 5.1 turns rotate=N into a counter-clockwise matrix,
  # the opposite of older versions: so write the tag, read back what it became, and fix the sign.
  local stored=$1 target=$2 rotation=$3 got
  if ! ffmpeg -nostdin -v error -y -display_rotation "-$rotation" -i "$stored" -c copy -movflags +faststart \
      "$target" 2>/dev/null; then
    ffmpeg -nostdin -v error -y -i "$stored" -c copy -metadata:s:v:0 "rotate=$rotation" -movflags +faststart "$target"
    got=$(ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation -of csv=p=0 "$target")
    if [ "${got//[^0-9-]/}" = "$rotation" ]; then
      ffmpeg -nostdin -v error -y -i "$stored" -c copy -metadata:s:v:0 "rotate=-$rotation" -movflags +faststart "$target"
    fi
  fi
  got=$(ffprobe -v error -select_streams v:0 -show_entries stream_side_data=rotation -of csv=p=0 "$target")
  [ "${got//[^0-9-]/}" = "-$rotation" ] || { echo "$target: display rotation came out as '$got', not -$rotation" >&2; exit 1; }
}
make_vertical() {  # source target rotation fps colour
  # A 1080x1920 (9:16) picture over the sound of source.mp4, copied, not re-encoded: the sandbox
  # finds a transcript by loudness fingerprint, and copied sound matches exactly. The picture is a
  # plain background with a lighter band at the top, so an upside-down or sideways render shows.
  # rotation=90 stores it as a phone camera does: 1920x1080 pixels turned a quarter counter-
  # clockwise, plus display rotation side data saying "turn 90 clockwise to show" (see below).
  local source=$1 target=$2 rotation=$3 fps=$4 colour=$5 tmp duration picture
  tmp=$(mktemp -d)
  duration=$(ffprobe -v error -select_streams a:0 -show_entries stream=duration -of csv=p=0 "$source.mp4")
  picture="drawbox=x=0:y=0:w=iw:h=ih/8:color=white@0.3:t=fill"
  if [ "$rotation" = 90 ]; then picture="$picture,transpose=cclock"; fi
  ffmpeg -nostdin -v error -y -f lavfi -i "color=c=$colour:s=1080x1920:r=$fps:d=$duration" -i "$source.mp4" \
    -map 0:v -map 1:a:0 -vf "$picture" -t "$duration" -c:v libx264 -preset veryslow -crf 45 -pix_fmt yuv420p \
    -c:a copy -movflags +faststart "$tmp/stored.mp4"
  if [ "$rotation" = 0 ]; then
    mv "$tmp/stored.mp4" "$target.mp4"
  else
    rotate_like_a_phone "$tmp/stored.mp4" "$target.mp4" "$rotation"
  fi
  rm -r "$tmp"
}
make_dialogue() {  # name size colour voice-for-speaker-1 voice-for-speaker-2
  # Two voices taking turns: line k of $name.txt is said by the voice of line k of
  # $name.speakers.txt (the labels the sandbox returns with with_speaker_info=True), with a
  # short pause between turns, as in a quick exchange.
  local name=$1 size=$2 colour=$3 tmp k=0 inputs=() filter="" duration
  local trim="silenceremove=start_periods=1:start_threshold=-50dB"
  declare -A voice=([1]=$4 [2]=$5)
  tmp=$(mktemp -d)
  ffmpeg -nostdin -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono:d=1" "$tmp/edge.wav"
  ffmpeg -nostdin -v error -y -f lavfi -i "anullsrc=r=22050:cl=mono:d=0.3" "$tmp/turn.wav"
  inputs+=(-i "$tmp/edge.wav")
  while IFS= read -r line <&3 && IFS= read -r speaker <&4; do
    k=$((k + 1))
    espeak-ng -v "${voice[$speaker]}" -s 180 -w "$tmp/said.wav" "$line"
    # espeak-ng ends each line with half a second of silence: cut it, so the turns follow quickly.
    ffmpeg -nostdin -v error -y -i "$tmp/said.wav" -af "$trim,areverse,$trim,areverse" "$tmp/line$k.wav"
    [ "$k" = 1 ] || inputs+=(-i "$tmp/turn.wav")
    inputs+=(-i "$tmp/line$k.wav")
  done 3<"$name.txt" 4<"$name.speakers.txt"
  inputs+=(-i "$tmp/edge.wav")
  for ((i = 0; i < ${#inputs[@]} / 2; i++)); do filter+="[$i:a]"; done
  ffmpeg -nostdin -v error -y "${inputs[@]}" -filter_complex "${filter}concat=n=$((${#inputs[@]} / 2)):v=0:a=1[a]" \
    -map "[a]" -ar 22050 "$tmp/padded.wav"
  duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/padded.wav")
  ffmpeg -nostdin -v error -y -f lavfi -i "color=c=$colour:s=$size:r=10:d=$duration" -i "$tmp/padded.wav" \
    -t "$duration" -c:v libx264 -preset veryslow -crf 40 -pix_fmt yuv420p -c:a aac -b:a 32k -ac 1 \
    -movflags +faststart "$name.mp4"
  rm -r "$tmp"
}
if [ "${1:-}" = "--dialogue-only" ]; then
  make_dialogue zh_dialogue 320x180 0x402030 cmn cmn+f3
  ls -l zh_dialogue.mp4
  exit 0
fi
if [ "${1:-}" != "--vertical-only" ]; then
  make_clip zh_demo cmn 150 320x180 0x203040
  make_clip en_demo en-us 150 320x180 0x304020
  make_dialogue zh_dialogue 320x180 0x402030 cmn cmn+f3
fi
# Share links resolve to these two (see pipeline/sandbox/media_library.py): one stored landscape
# with rotation side data (Douyin-style phone file), one stored upright.
make_vertical zh_demo zh_demo.vertical-rotated 90 30 0x203040
make_vertical en_demo en_demo.vertical 0 30000/1001 0x304020
ls -l ./*.mp4
