#!/usr/bin/env bash
# Runs on the device machine after every transfer call: checks the parts of the GPU check that have arrived (one folder
# per part, as pack.sh lays them out and `carry` brings them), says which are still missing, and once all are there
# reassembles the archive, verifies it and extracts it. Safe to run any number of times: a finished extraction is
# recognised and left alone, and nothing is written until every part has arrived intact.
#
#   tools/gpu-check/unpack.sh [--parts DIR] [--target DIR] [--restore]
#
# --parts   where the part folders arrive (default artifacts/gpu-check-parts; p000/, p001/ ..., each with MANIFEST)
# --target  where the GPU check is extracted (default artifacts/gpu-check-device; run it with TARGET/run.sh)
# --restore also put back the original CUDA provider from the restore parts (r000/ ...) when pack.sh pruned it
# Exit: 0 extracted and verified (now or before); 3 parts still missing (listed, with the carry path of each);
#       1 a part or the archive is corrupt, or something else failed (the message says what to do).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
parts=$repo/artifacts/gpu-check-parts
target=$repo/artifacts/gpu-check-device
restore=0

have() { command -v "$1" >/dev/null 2>&1; }
die() { echo "unpack: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --parts) parts=$2; shift 2 ;;
        --target) target=$2; shift 2 ;;
        --restore) restore=1; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
mkdir -p "$parts" || die "cannot create $parts"
parts=$(cd "$parts" && pwd)
case "$target" in /*) ;; *) target=$PWD/$target ;; esac

# How a session names a part folder in `carry`: relative to the repository root when the parts live inside it.
carry_path() { case "$parts" in "$repo"/*) echo "${parts#"$repo"/}/$1" ;; *) echo "$parts/$1" ;; esac; }

# sha256sum is in coreutils; the fallbacks cover machines without it.
sha256_stdin() {
    if have sha256sum; then sha256sum | cut -d' ' -f1
    elif have shasum; then shasum -a 256 | cut -d' ' -f1
    elif have python3; then python3 -c 'import hashlib, sys
h = hashlib.sha256()
for b in iter(lambda: sys.stdin.buffer.read(1 << 20), b""): h.update(b)
print(h.hexdigest())'
    else echo "no-sha256-tool"; fi
}
sha256_file() { sha256_stdin <"$1"; }

# Python's standard library reads xz and gzip, so a machine without the command-line tools still unpacks.
decompress() {
    case "$1" in
        xz) if have xz; then xz -dc; else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.stdin.buffer), sys.stdout.buffer, 1 << 20)'; fi ;;
        gzip) if have gzip; then gzip -dc; else python3 -c 'import gzip, shutil, sys; shutil.copyfileobj(gzip.open(sys.stdin.buffer), sys.stdout.buffer, 1 << 20)'; fi ;;
        zstd) zstd -dc ;;
        *) echo "unpack: unknown compressor '$1'" >&2; return 1 ;;
    esac
}

# The manifest: every part folder carries a copy. Copies from an older pack (left on a machine that stayed warm) are
# told apart by their creation time; the newest pack wins and folders of older ones are ignored, saying so.
manifests=()
while IFS= read -r m; do manifests+=("$m"); done < <(find "$parts" -maxdepth 2 -name MANIFEST -type f 2>/dev/null | sort)
if [ ${#manifests[@]} -eq 0 ]; then
    echo "unpack: no part has arrived in $parts yet; carry $(carry_path p000) (and the other part folders, one per call)"
    exit 3
fi
manifest=""
newest=""
for m in "${manifests[@]}"; do
    created=$(awk '$1 == "created" {print $2}' "$m")
    if [ -z "$manifest" ] || [[ "$created" > "$newest" ]]; then manifest=$m; newest=$created; fi
done
grep -q '^format 1$' "$manifest" || die "$manifest is not a manifest this script reads (format 1)"
for m in "${manifests[@]}"; do
    cmp -s "$m" "$manifest" || echo "unpack: ignoring $(dirname "$m") (from an older pack than $newest)"
done
compressor=$(awk '$1 == "compressor" {print $2}' "$manifest")
read -r _ archive_name archive_bytes archive_sha < <(grep '^archive ' "$manifest")
[ -n "${archive_sha:-}" ] || die "$manifest names no archive"

# Checks the parts of one kind (part or restore-part). Sets part_files (in order) and prints one line per part;
# returns 0 when all are present and intact, 3 when some are missing, 1 when one is corrupt.
check_parts() {
    local kind=$1 name folder bytes sha file m size got missing=() corrupt=0
    part_files=()
    while read -r k name folder bytes sha; do
        [ "$k" = "$kind" ] || continue
        file=""
        for candidate in "$parts/$folder/$name" "$parts/$name"; do
            [ -f "$candidate" ] || continue
            m=$(dirname "$candidate")/MANIFEST
            # a part whose own folder holds another pack's manifest is another pack's part
            if [ -f "$m" ] && ! cmp -s "$m" "$manifest"; then continue; fi
            file=$candidate; break
        done
        if [ -z "$file" ]; then
            missing+=("$folder")
            echo "  $name: missing (carry $(carry_path "$folder"))"
            continue
        fi
        size=$(stat -c %s "$file")
        if [ "$size" != "$bytes" ]; then
            echo "  $name: WRONG SIZE $size bytes, expected $bytes: incomplete or corrupt; carry $(carry_path "$folder") again"
            corrupt=1; continue
        fi
        got=$(sha256_file "$file")
        if [ "$got" != "$sha" ]; then
            echo "  $name: CHECKSUM MISMATCH (sha256 $got, expected $sha): corrupt; carry $(carry_path "$folder") again"
            corrupt=1; continue
        fi
        echo "  $name: ok"
        part_files+=("$file")
    done <"$manifest"
    if [ "$corrupt" -ne 0 ]; then return 1; fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "unpack: ${#missing[@]} part(s) still missing; carry next: $(for f in "${missing[@]}"; do printf '%s ' "$(carry_path "$f")"; done)"
        return 3
    fi
    return 0
}

# beside the folder, not in it, so that the folder holds exactly what was packed
marker=$target.unpacked
if [ -d "$target" ] && [ -f "$marker" ] && grep -qx "archive $archive_sha" "$marker"; then
    echo "unpack: $target already holds this archive ($archive_name, sha256 ${archive_sha:0:16}...)"
else
    echo "unpack: parts of $archive_name ($archive_bytes bytes, created $newest) in $parts:"
    check_parts part
    rc=$?
    if [ "$rc" -eq 1 ]; then echo "unpack: a part is corrupt (above); nothing extracted" >&2; exit 1; fi
    [ "$rc" -eq 3 ] && exit 3
    got=$(cat "${part_files[@]}" | sha256_stdin)
    if [ "$got" != "$archive_sha" ]; then
        die "the reassembled archive's sha256 is $got, not $archive_sha: the parts do not belong together (pack again)"
    fi
    partial=$target.partial
    rm -rf "$partial" && mkdir -p "$partial" || die "cannot create $partial"
    cat "${part_files[@]}" | decompress "$compressor" | tar -xf - -C "$partial"
    statuses=("${PIPESTATUS[@]}")
    [ "${statuses[1]}" -eq 0 ] && [ "${statuses[2]}" -eq 0 ] || { rm -rf "$partial"; die "decompressing or extracting failed (exit codes ${statuses[*]})"; }
    rm -f "$marker"
    rm -rf "$target" && mv "$partial" "$target" || die "cannot move the extracted folder to $target"
    echo "archive $archive_sha" >"$marker"
    echo "unpack: extracted $archive_name into $target ($(du -sb "$target" | cut -f1) bytes); sha256 verified"
fi

if [ "$restore" -eq 1 ]; then
    read -r _ provider pruned_sha original_sha arches < <(grep '^pruned ' "$manifest")
    [ -n "${original_sha:-}" ] || { echo "unpack: this pack was not pruned; nothing to restore"; exit 0; }
    now=$(sha256_file "$target/$provider")
    if [ "$now" = "$original_sha" ]; then
        echo "unpack: $provider is already the original"
        exit 0
    fi
    [ "$now" = "$pruned_sha" ] || die "$target/$provider is neither the pruned ($arches) nor the original library (sha256 $now); unpack again"
    echo "unpack: restore parts:"
    check_parts restore-part
    rc=$?
    if [ "$rc" -eq 1 ]; then echo "unpack: a restore part is corrupt (above); nothing restored" >&2; exit 1; fi
    [ "$rc" -eq 3 ] && exit 3
    read -r _ r_name _ r_sha < <(grep '^restore-archive ' "$manifest")
    got=$(cat "${part_files[@]}" | sha256_stdin)
    [ "$got" = "$r_sha" ] || die "the reassembled $r_name's sha256 is $got, not $r_sha"
    scratch=$target.restore
    rm -rf "$scratch" && mkdir -p "$scratch" || die "cannot create $scratch"
    cat "${part_files[@]}" | decompress "$compressor" | tar -xf - -C "$scratch"
    statuses=("${PIPESTATUS[@]}")
    [ "${statuses[1]}" -eq 0 ] && [ "${statuses[2]}" -eq 0 ] || { rm -rf "$scratch"; die "extracting $r_name failed"; }
    # Copy each removed range back to its place: payload.bin holds them in ranges.txt's order, back to back.
    # Work on a copy, so that a failure leaves the pruned library as it was.
    cp "$target/$provider" "$scratch/$provider" || die "cannot copy $provider"
    pos=0
    while read -r off len; do
        dd if="$scratch/payload.bin" of="$scratch/$provider" bs=1M iflag=skip_bytes,count_bytes oflag=seek_bytes \
           conv=notrunc skip="$pos" seek="$off" count="$len" status=none || die "dd failed at offset $off"
        pos=$((pos + len))
    done <"$scratch/ranges.txt"
    got=$(sha256_file "$scratch/$provider")
    [ "$got" = "$original_sha" ] || die "the restored $provider has sha256 $got, not the original's $original_sha"
    chmod --reference="$target/$provider" "$scratch/$provider" 2>/dev/null
    mv "$scratch/$provider" "$target/$provider" && rm -rf "$scratch" "$target/PRUNED.txt"
    echo "restored $original_sha" >>"$marker"
    echo "unpack: $provider restored to the original (all architectures); sha256 verified"
fi
exit 0
