#!/usr/bin/env python3
"""Zeroes the GPU code of the architectures a target GPU cannot run in a copy of an ELF shared library's .nv_fatbin.

Why: ONNX Runtime's CUDA provider (~271 MiB) carries SASS for sm_75/80/86/89/90/120 and no PTX. A GPU runs only SASS
of its own major architecture (an H200 is sm_90), so the other images are never read there. Zeroing their payloads
(headers kept, file size and every offset unchanged, so the ELF and the fatbin index stay valid) makes them compress
to nothing: the transfer shrinks by about half. The removed bytes are written to a restore file with their ranges, so
unpack.sh --restore can put the original, byte-identical library back if the pruned one ever fails on the device.

Usage: prune-fatbin.py INPUT OUTPUT KEEP_ARCHS RESTORE_DIR   (KEEP_ARCHS like "90" or "80,86,90")
Writes OUTPUT (the pruned copy), RESTORE_DIR/ranges.txt ("offset length" per line, ascending) and
RESTORE_DIR/payload.bin (the original bytes of those ranges, concatenated). Exits 1, writing nothing useful, when the
file is not laid out as expected: the caller then ships the library unpruned.
"""
import struct
import sys

FATBIN_MAGIC = 0xBA55ED50
KIND_PTX = 1


def nv_fatbin_section(data: bytes) -> tuple[int, int]:
    """(offset, size) of .nv_fatbin in an ELF64 little-endian file."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    def header(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    strtab_off = header(shstrndx)[4]
    for i in range(shnum):
        name, _type, _flags, _addr, off, size = header(i)[:6]
        end = data.index(b"\0", strtab_off + name)
        if data[strtab_off + name:end] == b".nv_fatbin":
            return off, size
    raise ValueError("no .nv_fatbin section")


def main() -> int:
    src, dst, keep_arg, restore_dir = sys.argv[1:5]
    keep = {int(a) for a in keep_arg.split(",") if a}
    data = bytearray(open(src, "rb").read())
    try:
        sec_off, sec_size = nv_fatbin_section(data)
    except ValueError as e:
        print(f"prune-fatbin: {e}; not pruning", file=sys.stderr)
        return 1
    ranges = []  # (offset, length) of payloads to zero
    kept = dropped = 0
    p, end_sec = sec_off, sec_off + sec_size
    while p + 16 <= end_sec:
        magic, _ver, hsz, fsz = struct.unpack_from("<IHHQ", data, p)
        if magic != FATBIN_MAGIC:
            p += 8  # fatbins are 8-byte aligned; padding between them is skipped, never zeroed
            continue
        q, end = p + hsz, p + hsz + fsz
        if end > end_sec:
            print("prune-fatbin: a fatbin runs past its section; not pruning", file=sys.stderr)
            return 1
        while q < end:
            kind, _v, ehs, psz = struct.unpack_from("<HHIQ", data, q)
            arch, = struct.unpack_from("<I", data, q + 28)
            if ehs < 64 or q + ehs + psz > end:
                print("prune-fatbin: an entry header is not as expected; not pruning", file=sys.stderr)
                return 1
            # PTX can be compiled for any newer GPU by the driver: always kept (this library has none)
            if kind == KIND_PTX or arch in keep:
                kept += psz
            elif psz:
                ranges.append((q + ehs, psz))
                dropped += psz
            q += ehs + psz
        p = end
    if not kept:
        print(f"prune-fatbin: no GPU code for sm_{keep_arg} in {src}; not pruning", file=sys.stderr)
        return 1
    merged = []
    for off, length in ranges:
        if merged and merged[-1][0] + merged[-1][1] == off:
            merged[-1] = (merged[-1][0], merged[-1][1] + length)
        else:
            merged.append((off, length))
    with open(f"{restore_dir}/payload.bin", "wb") as payload, open(f"{restore_dir}/ranges.txt", "w") as listing:
        for off, length in merged:
            payload.write(data[off:off + length])
            listing.write(f"{off} {length}\n")
            data[off:off + length] = bytes(length)
    open(dst, "wb").write(data)
    print(f"prune-fatbin: kept {kept} bytes of GPU code (sm_{keep_arg} and PTX), zeroed {dropped} bytes in {len(merged)} ranges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
