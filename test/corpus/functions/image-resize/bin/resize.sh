#!/bin/sh
# Stand-in for a bundled image tool (ImageMagick's convert): writes a small output file.
# usage: resize.sh --width N INPUT OUTPUT
width="$2"; in="$3"; out="$4"
printf 'resized %s to %s\n' "$in" "$width" > "$out"
echo "ok $width"
