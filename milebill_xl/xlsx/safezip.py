"""Zip rewriting that keeps untouched members byte-for-byte.

``rewrite_zip`` copies every member it is not asked to change as its raw
local-header + compressed-data bytes and its raw central-directory record
(only the local-header offset field is patched), in the original order.
Replaced members are deflated anew with the original name bytes, flags
bit 11, date/time, "version made by" and external attributes kept. The
zip comment is kept. Archives using zip64 or encryption fall back to a
``zipfile`` rewrite that keeps each untouched member's uncompressed bytes,
order and compression method.

Saves go through :func:`milebill_xl.xlsx.atomic.atomic_write`.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_EOCD_SIG = b"PK\x05\x06"
_CD_SIG = b"PK\x01\x02"
_LOCAL_SIG = b"PK\x03\x04"
_DD_SIG = b"PK\x07\x08"
_Z64_LOCATOR_SIG = b"PK\x06\x07"


class WorkbookLocked(RuntimeError):
    """The workbook is open in Excel (its ``~$`` owner file exists); not written."""


class WorkbookChanged(RuntimeError):
    """The file changed on disk after it was opened; not overwritten."""


def owner_file(path: Path) -> Path:
    """Excel's owner (lock) file for ``path``: ``~$<name>`` in the same folder."""
    path = Path(path)
    return path.with_name("~$" + path.name)


def check_unlocked(path: Path) -> None:
    """Raise WorkbookLocked when Excel's owner file for ``path`` exists."""
    lock = owner_file(path)
    if lock.exists():
        raise WorkbookLocked(owner_file_message(Path(path)))


def owner_file_message(path: Path) -> str:
    """Why a workbook with an owner file is not written, and what to do when
    that file is stale (Excel crashed or was killed and left it behind)."""
    lock = owner_file(path)
    return (f"{path.name} is open in Excel (found {lock.name}); close it and try again. "
            f"If no one has it open (Excel crashed and left {lock.name} behind), "
            f"delete {lock.name}: a stale owner file is not open in any program, "
            "so the delete succeeds, while Excel refuses it for a workbook it has open")


@dataclass
class Member:
    name: str
    raw_name: bytes
    cd_record: bytes        # raw central directory record (header+name+extra+comment)
    local_start: int
    local_end: int          # end of data (+ data descriptor)
    flags: int
    dostime: int
    dosdate: int
    version_made: int
    external_attr: int


class ZipSource:
    """An archive in memory: raw member spans for byte copies, and contents."""

    def __init__(self, data: bytes):
        self.data = data
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        self.names = [i.filename for i in self.zf.infolist()]
        self.comment = self.zf.comment
        try:
            self.members: list[Member] | None = self._scan()
        except ValueError:
            self.members = None     # not raw-copyable: zipfile fallback
        if self.members is not None and [m.name for m in self.members] != self.names:
            self.members = None

    def read(self, name: str) -> bytes:
        return self.zf.read(name)

    def __contains__(self, name: str) -> bool:
        return name in self.zf.NameToInfo

    def _scan(self) -> list[Member]:
        d = self.data
        pos = d.rfind(_EOCD_SIG, max(0, len(d) - 65557))
        if pos < 0 or pos + 22 > len(d):
            raise ValueError("no end of central directory")
        (_, disk, cd_disk, n_disk, n_total, cd_size, cd_off, clen) = struct.unpack(
            "<4sHHHHIIH", d[pos:pos + 22])
        if disk or cd_disk or n_disk != n_total or 0xFFFF in (n_total,) \
                or 0xFFFFFFFF in (cd_size, cd_off):
            raise ValueError("multi-disk or zip64 archive")
        if pos >= 20 and d[pos - 20:pos - 16] == _Z64_LOCATOR_SIG:
            raise ValueError("zip64 archive")
        members = []
        p = cd_off
        for _ in range(n_total):
            if d[p:p + 4] != _CD_SIG:
                raise ValueError("bad central directory")
            (_, made, _need, flags, method, dtime, ddate, _crc, csize, usize, nlen, xlen,
             klen, _dstart, _iattr, eattr, loff) = struct.unpack("<4sHHHHHHIIIHHHHHII",
                                                                 d[p:p + 46])
            if flags & 0x1 or 0xFFFFFFFF in (csize, usize, loff):
                raise ValueError("encrypted or zip64 member")
            raw_name = d[p + 46:p + 46 + nlen]
            rec_end = p + 46 + nlen + xlen + klen
            record = d[p:rec_end]
            if d[loff:loff + 4] != _LOCAL_SIG:
                raise ValueError("bad local header")
            lnlen, lxlen = struct.unpack("<HH", d[loff + 26:loff + 30])
            end = loff + 30 + lnlen + lxlen + csize
            if flags & 0x8:
                end += 16 if d[end:end + 4] == _DD_SIG else 12
            if end > len(d):
                raise ValueError("member runs past the end")
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            members.append(Member(name, raw_name, record, loff, end, flags, dtime, ddate,
                                  made, eattr))
            p = rec_end
        return members


def rewrite_zip(out: BinaryIO, src: ZipSource, replace: dict[str, bytes],
                remove: set[str] = frozenset()) -> None:
    """Write ``src`` to ``out`` with members replaced or removed; rest raw-copied."""
    unknown = (set(replace) | set(remove)) - set(src.names)
    if unknown:
        raise KeyError(f"not in the archive: {sorted(unknown)}")
    if src.members is None:
        _rewrite_with_zipfile(out, src, replace, remove)
        return
    central: list[bytes] = []
    offset = 0
    for m in src.members:
        if m.name in remove:
            continue
        if m.name in replace:
            local, record = _deflated_entry(m, replace[m.name], offset)
        else:
            local = src.data[m.local_start:m.local_end]
            record = m.cd_record[:42] + struct.pack("<I", offset) + m.cd_record[46:]
        _write(out, local)
        central.append(record)
        offset += len(local)
    cd = b"".join(central)
    if offset > 0xFFFFFFFF or len(central) > 0xFFFF:
        raise ValueError("archive too large for a plain zip")
    comment = src.comment[:0xFFFF]
    _write(out, cd)
    _write(out, struct.pack("<4sHHHHIIH", _EOCD_SIG, 0, 0, len(central), len(central),
                            len(cd), offset, len(comment)) + comment)


def _write(out: BinaryIO, data: bytes) -> None:
    out.write(data)


def _deflated_entry(m: Member, data: bytes, offset: int) -> tuple[bytes, bytes]:
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = comp.compress(data) + comp.flush()
    crc = zlib.crc32(data) & 0xFFFFFFFF
    if len(body) > 0xFFFFFFFF or len(data) > 0xFFFFFFFF:
        raise ValueError(f"{m.name} too large for a plain zip")
    flags = m.flags & 0x800
    local = struct.pack("<4sHHHHHIIIHH", _LOCAL_SIG, 20, flags, 8, m.dostime, m.dosdate,
                        crc, len(body), len(data), len(m.raw_name), 0) + m.raw_name + body
    record = struct.pack("<4sHHHHHHIIIHHHHHII", _CD_SIG, m.version_made, 20, flags, 8,
                         m.dostime, m.dosdate, crc, len(body), len(data), len(m.raw_name),
                         0, 0, 0, 0, m.external_attr, offset) + m.raw_name
    return local, record


def _rewrite_with_zipfile(out: BinaryIO, src: ZipSource, replace: dict[str, bytes],
                          remove: set[str]) -> None:
    with zipfile.ZipFile(out, "w", allowZip64=True) as zout:
        zout.comment = src.comment
        for info in src.zf.infolist():
            if info.filename in remove:
                continue
            data = replace.get(info.filename)
            if data is None:
                data = src.zf.read(info)
            new = zipfile.ZipInfo(info.filename, info.date_time)
            new.compress_type = info.compress_type
            new.external_attr = info.external_attr
            new.create_system = info.create_system
            zout.writestr(new, data)
