#!/usr/bin/env bash
# Packs the published GPU check (publish.sh -> artifacts/gpu-check) into parts small enough for the device tool, which
# carries at most 64 MiB per call, the repository's own files included. Run it here, after publish.sh, in the checkout
# that the device calls send (see README.md). unpack.sh, on the device, checks and reassembles the parts.
#
#   tools/gpu-check/pack.sh [--src DIR] [--out DIR] [--part-size BYTES|NKiB|NMiB] [--keep-sm LIST|all]
#                           [--compressor xz|gzip|zstd] [--no-restore]
#
# Output (--out, default artifacts/gpu-check-parts, ignored by git): one folder per part, p000/part-000, p001/part-001
# ..., each with a copy of MANIFEST (sizes and SHA-256 of every part and of the whole archive), so that one `carry` path
# per call brings one part and the manifest. With pruning (below) also r000/restore-000 ...: the bytes pruning removed.
#
# Why these choices:
# - xz (else gzip): any Linux has xz or gzip, and Python's standard library reads both, so the device needs nothing
#   carried to decompress. xz -9e compresses the CUDA provider as well as zstd -19 does (measured: both 177 MiB for the
#   unpruned library) and zstd's command line is not guaranteed there. The x86 filter shrinks machine code by ~10 %.
# - Pruning (--keep-sm, default 90 = H200/H100): the CUDA provider carries GPU code for sm_75/80/86/89/90/120; a GPU runs
#   only code for its own architecture, so the other images are zeroed in place (prune-fatbin.py): same file size and
#   layout, compressed size 177 -> 49 MiB. --keep-sm all ships the library untouched.
# - Part size: 64 MiB minus what the checkout itself sends (tracked and untracked-not-ignored files) minus a 2 MiB margin
#   for files added before the device session, at most 60 MiB; the archive is then cut into equal parts.
# Environment: GPU_CHECK_PART_BYTES, GPU_CHECK_KEEP_SM, GPU_CHECK_COMPRESSOR, GPU_CHECK_XZ_PRESET (default 9e) stand in
# for the options; a small preset makes tests fast.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=$repo/artifacts/gpu-check
out=$repo/artifacts/gpu-check-parts
part_arg=${GPU_CHECK_PART_BYTES:-auto}
keep_sm=${GPU_CHECK_KEEP_SM:-90}
compressor=${GPU_CHECK_COMPRESSOR:-auto}
xz_preset=${GPU_CHECK_XZ_PRESET:-9e}
restore=1
provider=libonnxruntime_providers_cuda.so
mib=$((1024 * 1024))

die() { echo "pack: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --src) src=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --part-size) part_arg=$2; shift 2 ;;
        --keep-sm) keep_sm=$2; shift 2 ;;
        --compressor) compressor=$2; shift 2 ;;
        --no-restore) restore=0; shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

[ -d "$src" ] || die "no published folder at $src (run tools/gpu-check/publish.sh first)"
src=$(cd "$src" && pwd)
# publish.sh copies run.sh into the folder: a folder published before run.sh last changed would carry the old one
if [ "$src" = "$repo/artifacts/gpu-check" ] && [ -f "$src/run.sh" ] && ! cmp -s "$src/run.sh" "$here/run.sh"; then
    die "$src/run.sh differs from tools/gpu-check/run.sh: publish again (tools/gpu-check/publish.sh)"
fi
out=$(mkdir -p "$out" && cd "$out" && pwd)
for t in tar split sha256sum; do have "$t" || die "'$t' is needed here"; done

to_bytes() {
    case "$1" in
        *MiB) echo $(( ${1%MiB} * mib )) ;;
        *KiB) echo $(( ${1%KiB} * 1024 )) ;;
        *[!0-9]*|"") die "bad size '$1' (bytes, NKiB or NMiB)" ;;
        *) echo "$1" ;;
    esac
}

# What one device call sends besides the carried paths: the files of the checkout that git does not ignore, and
# shared/ (which travels even when ignored). Symbolic links count as links, the way they travel.
# The checkout is the one that holds --out when it is in one (the device sends the session's checkout: pack there),
# else this script's.
checkout() { git -C "$out" rev-parse --show-toplevel 2>/dev/null || git -C "$repo" rev-parse --show-toplevel 2>/dev/null; }
travelling_bytes() {
    local top
    top=$(checkout) || return 1
    local files shared=0
    files=$(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {print s + 0}')
    if [ -d "$top/shared" ] && git -C "$top" check-ignore -q shared 2>/dev/null; then
        shared=$(du -sb "$top/shared" 2>/dev/null | cut -f1)
    fi
    echo $((files + shared))
}

case "$compressor" in
    auto) if have xz; then compressor=xz; else compressor=gzip; echo "pack: no xz here; using gzip (larger parts)"; fi ;;
    xz|gzip|zstd) have "$compressor" || die "'$compressor' is not installed here" ;;
    *) die "unknown compressor '$compressor' (xz, gzip or zstd)" ;;
esac
case "$compressor" in
    # -T0: all cores here; the output stays one ordinary .xz file that any xz (and Python's lzma) reads
    xz) ext=xz; compress=(xz -T0 -c --x86 "--lzma2=preset=$xz_preset") ;;
    gzip) ext=gz; compress=(gzip -9 -c) ;;
    zstd) ext=zst; compress=(zstd -q -19 -T0 --long=27 -c); echo "pack: zstd chosen: the device must have zstd to unpack (probe.sh says)" ;;
esac

work=$out.work
stage=$work/stage
rm -rf "$work" && mkdir -p "$stage" "$work/parts" || die "cannot create $work"
trap 'rm -rf "$work"' EXIT

# Hard links, not copies: the folder is ~330 MB, and publishing already hard-links it to the NuGet cache. Nothing in
# the stage is ever written in place (the pruned library is a new file), so the cache stays intact.
cp -al "$src/." "$stage/" 2>/dev/null || { rm -rf "$stage" && mkdir -p "$stage" && cp -a "$src/." "$stage/"; } || die "cannot copy $src"

pruned_line=""
if [ "$keep_sm" != "all" ] && [ -f "$stage/$provider" ]; then
    if have python3; then
        mkdir -p "$work/restore"
        if python3 "$here/prune-fatbin.py" "$src/$provider" "$work/$provider.pruned" "$keep_sm" "$work/restore"; then
            original_sha=$(sha256sum "$src/$provider" | cut -d' ' -f1)
            pruned_sha=$(sha256sum "$work/$provider.pruned" | cut -d' ' -f1)
            rm -f "$stage/$provider" && mv "$work/$provider.pruned" "$stage/$provider" && chmod --reference="$src/$provider" "$stage/$provider"
            pruned_line="pruned $provider $pruned_sha $original_sha sm_${keep_sm//,/+}"
            {
                echo "$provider here holds GPU code for sm_${keep_sm//,/, sm_} only: tools/gpu-check/pack.sh zeroed the other"
                echo "architectures' images (file size and layout unchanged) so that the folder travels in fewer parts."
                echo "sha256 pruned:   $pruned_sha"
                echo "sha256 original: $original_sha"
                echo "To put the original back on the device: carry the restore parts and run unpack.sh --restore."
            } >"$stage/PRUNED.txt"
            printf 'original %s\npruned %s\nfile %s\n' "$original_sha" "$pruned_sha" "$provider" >"$work/restore/info"
        else
            echo "pack: $provider left whole (see the message above)"
            rm -rf "$work/restore"
        fi
    else
        echo "pack: no python3 here, so $provider is not pruned (about 4 times more parts)"
    fi
fi

tar_sorted=(--sort=name)
tar --sort=name -cf /dev/null -C "$stage" . 2>/dev/null || tar_sorted=()
archive=$work/gpu-check.tar.$ext
echo "pack: compressing $(du -sb "$src" | cut -f1) bytes with ${compress[*]} (minutes for the real folder)"
tar "${tar_sorted[@]}" -C "$stage" -cf - . | "${compress[@]}" >"$archive"
st=("${PIPESTATUS[@]}")
[ "${st[0]}" -eq 0 ] && [ "${st[1]}" -eq 0 ] || die "archiving $src failed (exit codes ${st[*]})"
if [ -d "$work/restore" ] && [ "$restore" -eq 1 ]; then
    restore_archive=$work/restore.tar.$ext
    tar -C "$work/restore" -cf - info ranges.txt payload.bin | "${compress[@]}" >"$restore_archive"
    st=("${PIPESTATUS[@]}")
    [ "${st[0]}" -eq 0 ] && [ "${st[1]}" -eq 0 ] || die "archiving the restore data failed (exit codes ${st[*]})"
else
    restore_archive=""
fi

# Part size: explicit, or the most a call can carry beside the checkout, in equal parts.
if [ "$part_arg" = "auto" ]; then
    if tree=$(travelling_bytes); then
        tree_note="the checkout sends $tree bytes per call"
    else
        tree=$((8 * mib)); tree_note="no git checkout found: assumed the checkout sends 8 MiB per call"
    fi
    cap=$(( (64 * mib - tree - 2 * mib) / 4096 * 4096 ))
    [ "$cap" -gt $((60 * mib)) ] && cap=$((60 * mib))
    [ "$cap" -ge $((4 * mib)) ] || die "$tree_note: too little of the 64 MiB per call is left for a part"
else
    cap=$(to_bytes "$part_arg"); tree_note="part size given"
    [ "$cap" -gt 0 ] || die "part size must be positive"
fi
equal_parts() {  # size of each part when FILE is cut into the fewest parts of at most $cap bytes
    local size n
    size=$(stat -c %s "$1")
    [ "$part_arg" = "auto" ] || { echo "$cap"; return; }
    n=$(( (size + cap - 1) / cap )); [ "$n" -ge 1 ] || n=1
    echo $(( ( (size + n - 1) / n + 4095) / 4096 * 4096 ))
}

stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
manifest=$work/MANIFEST
{
    echo "# Segnn GPU check transfer: written by tools/gpu-check/pack.sh, read by tools/gpu-check/unpack.sh"
    echo "format 1"
    echo "created $stamp"
    echo "compressor $compressor"
    echo "archive $(basename "$archive") $(stat -c %s "$archive") $(sha256sum "$archive" | cut -d' ' -f1)"
} >"$manifest"
cut_parts() {  # FILE PREFIX FOLDER_LETTER KIND: split FILE, list the parts in the manifest
    local file=$1 prefix=$2 letter=$3 kind=$4 p name idx
    split -b "$(equal_parts "$file")" -d -a 3 "$file" "$work/parts/$prefix-" || die "split failed"
    for p in "$work/parts/$prefix"-*; do
        name=$(basename "$p"); idx=${name##*-}
        echo "$kind $name $letter$idx $(stat -c %s "$p") $(sha256sum "$p" | cut -d' ' -f1)" >>"$manifest"
    done
}
cut_parts "$archive" part p part
if [ -n "$restore_archive" ]; then
    echo "restore-archive $(basename "$restore_archive") $(stat -c %s "$restore_archive") $(sha256sum "$restore_archive" | cut -d' ' -f1)" >>"$manifest"
    cut_parts "$restore_archive" restore r restore-part
fi
[ -n "$pruned_line" ] && echo "$pruned_line" >>"$manifest"

# Lay out one folder per part, each with the manifest, and swap it in for the old output in one step.
fresh=$out.new
rm -rf "$fresh" && mkdir -p "$fresh" || die "cannot create $fresh"
while read -r kind name folder _; do
    case "$kind" in part|restore-part) ;; *) continue ;; esac
    mkdir -p "$fresh/$folder" && mv "$work/parts/$name" "$fresh/$folder/$name" && cp "$manifest" "$fresh/$folder/MANIFEST" || die "cannot lay out $name"
done <"$manifest"
cp "$manifest" "$fresh/MANIFEST"
rm -rf "$out" && mv "$fresh" "$out" || die "cannot replace $out"

top=$(checkout) || top=$repo
rel=${out#"$top"/}
main_folders=$(awk '$1 == "part" {print $3}' "$out/MANIFEST" | tr '\n' ' ')
restore_folders=$(awk '$1 == "restore-part" {print $3}' "$out/MANIFEST" | tr '\n' ' ')
echo "pack: $(du -sb "$src" | cut -f1) bytes published -> $(stat -c %s "$archive") bytes ($compressor) in $(echo $main_folders | wc -w) part(s) of at most $cap bytes ($tree_note)"
[ -n "$restore_archive" ] && echo "pack: restore data (only if the pruned library fails): $(stat -c %s "$restore_archive") bytes in $(echo $restore_folders | wc -w) part(s)"
echo "pack: carry one per device call, in any order: ${main_folders//p/$rel/p}"
[ -n "$restore_folders" ] && echo "pack: restore folders, only for unpack.sh --restore: ${restore_folders//r/$rel/r}"
exit 0
