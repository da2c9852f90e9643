"""A minimal writer for Compound File Binary files (MS-CFB), version 3.

Just enough to store a VBA project (``vbaProject.bin``): 512-byte sectors,
one FAT (no DIFAT sectors, so files up to about 6.8 MB), a directory whose
sibling trees are balanced binary search trees with every node black, and a
mini stream (64-byte mini sectors) for streams shorter than 4096 bytes.
Timestamps and CLSIDs are left zero so the output is deterministic.

    data = write_cfb({"PROJECT": b"...", "VBA/dir": b"..."})

Storages are implied by the ``/``-separated paths.
"""
from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
HEADER_DIFAT_ENTRIES = 109

ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_BLACK = 1
_ENTRIES_PER_SECTOR = SECTOR_SIZE // 128
_IDS_PER_SECTOR = SECTOR_SIZE // 4
_FORBIDDEN = set("/\\:!")


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Entry"] = field(default_factory=dict)
    sid: int = -1
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names first, then an uppercase comparison.
    return (len(name.encode("utf-16-le")), name.upper())


def _check_name(name: str) -> None:
    if not name or len(name) > 31 or _FORBIDDEN & set(name):
        raise ValueError(f"invalid compound file entry name: {name!r}")


def _build_tree(entries: Mapping[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", _ROOT)
    for path, data in entries.items():
        parts = path.split("/")
        node = root
        for i, part in enumerate(parts):
            _check_name(part)
            last = i == len(parts) - 1
            # Names are compared case-insensitively, so two siblings may not
            # differ only in case.
            existing = next((c for key, c in node.children.items()
                             if key.upper() == part.upper()), None)
            if last:
                if existing is not None:
                    raise ValueError(f"duplicate compound file entry: {path!r}")
                node.children[part] = _Entry(part, _STREAM, bytes(data))
            else:
                if existing is None:
                    existing = node.children[part] = _Entry(part, _STORAGE)
                elif existing.kind != _STORAGE:
                    raise ValueError(f"{path!r}: {part!r} is a stream")
                node = existing
    return root


def _number(root: _Entry) -> list[_Entry]:
    """Give every entry its directory index; link children as balanced trees."""
    order: list[_Entry] = []

    def visit(node: _Entry) -> None:
        node.sid = len(order)
        order.append(node)
        for child in sorted(node.children.values(), key=lambda c: _sort_key(c.name)):
            visit(child)

    visit(root)

    def balance(items: list[_Entry]) -> int:
        if not items:
            return NOSTREAM
        mid = len(items) // 2
        node = items[mid]
        node.left = balance(items[:mid])
        node.right = balance(items[mid + 1:])
        return node.sid

    for node in order:
        if node.children:
            node.child = balance(sorted(node.children.values(),
                                        key=lambda c: _sort_key(c.name)))
    return order


def _pad(data: bytes, size: int) -> bytes:
    rest = len(data) % size
    return data if rest == 0 else data + b"\x00" * (size - rest)


def _dir_entry(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le") + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name, len(name), e.kind, _BLACK, e.left, e.right, e.child,
        b"\x00" * 16, 0, 0, 0, e.start, e.size)


_EMPTY_ENTRY = struct.pack(
    "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
    b"\x00" * 16, 0, 0, 0, 0, 0)


def write_cfb(entries: Mapping[str, bytes]) -> bytes:
    """Return a compound file holding ``entries`` (path -> stream bytes)."""
    root = _build_tree(entries)
    order = _number(root)
    streams = [e for e in order if e.kind == _STREAM]

    # Regular sectors are laid out as: big streams, mini stream, mini FAT,
    # directory, FAT. ``fat`` maps sector -> next sector.
    body: list[bytes] = []
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        """Append ``data`` as a chain of sectors; return the first sector."""
        count = len(_pad(data, SECTOR_SIZE)) // SECTOR_SIZE
        if count == 0:
            return ENDOFCHAIN
        first = len(fat)
        fat.extend(first + i + 1 if i < count - 1 else ENDOFCHAIN for i in range(count))
        body.append(_pad(data, SECTOR_SIZE))
        return first

    for e in streams:
        e.size = len(e.data)
        if e.size >= MINI_STREAM_CUTOFF:
            e.start = allocate(e.data)

    mini_stream = bytearray()
    minifat: list[int] = []
    for e in streams:
        if 0 < e.size < MINI_STREAM_CUTOFF:
            first = len(minifat)
            count = len(_pad(e.data, MINI_SECTOR_SIZE)) // MINI_SECTOR_SIZE
            minifat.extend(first + i + 1 if i < count - 1 else ENDOFCHAIN
                           for i in range(count))
            mini_stream += _pad(e.data, MINI_SECTOR_SIZE)
            e.start = first
    root.size = len(mini_stream)
    root.start = allocate(bytes(mini_stream)) if mini_stream else ENDOFCHAIN

    # Unused mini FAT slots in the last sector must read as FREESECT.
    minifat += [FREESECT] * ((-len(minifat)) % _IDS_PER_SECTOR)
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    minifat_start = allocate(minifat_bytes) if minifat else ENDOFCHAIN
    minifat_count = len(minifat_bytes) // SECTOR_SIZE

    dir_bytes = b"".join(_dir_entry(e) for e in order)
    missing = (-len(order)) % _ENTRIES_PER_SECTOR
    dir_bytes += _EMPTY_ENTRY * missing
    dir_start = allocate(dir_bytes)

    # The FAT must also describe its own sectors.
    fat_sectors = 0
    while fat_sectors * _IDS_PER_SECTOR < len(fat) + fat_sectors:
        fat_sectors += 1
    if fat_sectors > HEADER_DIFAT_ENTRIES:
        raise ValueError("compound file too large for this minimal writer")
    fat_first = len(fat)
    fat.extend([FATSECT] * fat_sectors)
    fat.extend([FREESECT] * (fat_sectors * _IDS_PER_SECTOR - len(fat)))
    body.append(b"".join(struct.pack("<I", v) for v in fat))

    difat = [fat_first + i for i in range(fat_sectors)]
    difat += [FREESECT] * (HEADER_DIFAT_ENTRIES - len(difat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        _SIGNATURE, b"\x00" * 16,
        0x003E, 0x0003,          # minor, major version (3: 512-byte sectors)
        0xFFFE, 9, 6,            # byte order, sector shift, mini sector shift
        b"\x00" * 6,
        0,                       # directory sectors (always 0 in version 3)
        fat_sectors, dir_start,
        0,                       # transaction signature
        MINI_STREAM_CUTOFF, minifat_start, minifat_count,
        ENDOFCHAIN, 0,           # no DIFAT sectors
    ) + b"".join(struct.pack("<I", v) for v in difat)
    assert len(header) == SECTOR_SIZE
    return header + b"".join(body)
