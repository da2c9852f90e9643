"""VBA project storage per [MS-OVBA], written from source text without Office.

What is written (section numbers refer to MS-OVBA):

* ``PROJECT`` (2.3.1): the project's text properties, with the protection
  fields ``CMG``/``DPB``/``GC`` encrypted as in 2.4.3 (unprotected, visible).
* ``PROJECTwm`` (2.3.3): module name map, MBCS and UTF-16.
* ``VBA/_VBA_PROJECT`` (2.3.4.1): version 0xFFFF and no performance cache,
  so the host has no compiled p-code and must compile from source.
* ``VBA/dir`` (2.3.4.2): project information, references and modules,
  compressed with the algorithm of 2.4.1.
* ``VBA/<module>`` (2.3.4.3): each module's compressed source at offset 0
  (``MODULEOFFSET`` 0, no performance cache).

``build_vba_project`` returns the compound file bytes (``vbaProject.bin``).
``compress``/``decompress`` and ``encrypt``/``decrypt`` are exposed for tests.
"""
from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from .cfb import write_cfb

CHUNK_SIZE = 4096

PROCEDURAL = "procedural"
DOCUMENT = "document"

# Host extender line every Office VBA project carries (2.3.1.18).
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"


# --------------------------------------------------------------------------
# 2.4.1 Compression
# --------------------------------------------------------------------------

def _copy_token_bits(position: int) -> int:
    """Offset bits of a CopyToken at ``position`` within its chunk (2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    n = len(chunk)
    pos = 0
    heads: dict[bytes, list[int]] = {}

    def remember(p: int) -> None:
        if p + 3 <= n:
            heads.setdefault(chunk[p:p + 3], []).append(p)

    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len = best_at = 0
            if pos > 0 and pos + 3 <= n:
                bits = _copy_token_bits(pos)
                max_len = min((0xFFFF >> bits) + 3, n - pos)
                for cand in reversed(heads.get(chunk[pos:pos + 3], [])[-256:]):
                    length = 3
                    while length < max_len and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_at = length, cand
                        if length == max_len:
                            break
            if best_len >= 3:
                bits = _copy_token_bits(pos)
                token = ((pos - best_at - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                for p in range(pos, pos + best_len):
                    remember(p)
                pos += best_len
            else:
                out.append(chunk[pos])
                remember(pos)
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into a CompressedContainer (2.4.1.1.1)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK_SIZE):
        chunk = data[start:start + CHUNK_SIZE]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK_SIZE:
            header = 0xB000 | (len(body) + 2 - 3)    # flag 1, signature 0b011
        else:
            # Incompressible: a raw chunk always holds 4096 bytes (2.4.1.3.10).
            body = chunk.ljust(CHUNK_SIZE, b"\x00")
            header = 0x3000 | (CHUNK_SIZE + 2 - 3)
        out += struct.pack("<H", header) + body
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompress a CompressedContainer (2.4.1.3.1)."""
    if not container or container[0] != 0x01:
        raise ValueError("not a compressed container (signature byte != 0x01)")
    out = bytearray()
    i = 1
    while i < len(container):
        header = struct.unpack_from("<H", container, i)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at {i}")
        end = min(i + size, len(container))
        i += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[i:i + CHUNK_SIZE]
            i += CHUNK_SIZE
            continue
        while i < end:
            flags = container[i]
            i += 1
            for bit in range(8):
                if i >= end:
                    break
                if flags >> bit & 1:
                    token = struct.unpack_from("<H", container, i)[0]
                    i += 2
                    bits = _copy_token_bits(len(out) - chunk_start)
                    length = (token & (0xFFFF >> bits)) + 3
                    offset = (token >> (16 - bits)) + 1
                    src = len(out) - offset
                    if src < chunk_start:
                        raise ValueError("copy token points before its chunk")
                    for k in range(length):
                        out.append(out[src + k])
                else:
                    out.append(container[i])
                    i += 1
    return bytes(out)


# --------------------------------------------------------------------------
# 2.4.3 Data encryption (for CMG, DPB and GC in the PROJECT stream)
# --------------------------------------------------------------------------

def encrypt(data: bytes, project_id: str, seed: int) -> str:
    """Encrypt ``data`` as in 2.4.3.2; return the hex text for PROJECT."""
    key = sum(project_id.encode("ascii")) & 0xFF
    version = 2
    out = bytearray([seed, seed ^ version, seed ^ key])
    unenc1, enc1, enc2 = key, seed ^ key, seed ^ version
    ignored = (seed & 6) // 2
    for byte in bytes(ignored) + struct.pack("<I", len(data)) + data:
        enc = (byte ^ ((enc2 + unenc1) & 0xFF)) & 0xFF
        out.append(enc)
        enc2, enc1, unenc1 = enc1, enc, byte
    return out.hex().upper()


def decrypt(text: str, project_id: str | None = None) -> bytes:
    """Decrypt the hex text of CMG/DPB/GC (2.4.3.3); check the project key."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise ValueError("unknown encryption version")
    key = seed ^ key_enc
    if project_id is not None and key != sum(project_id.encode("ascii")) & 0xFF:
        raise ValueError("project key does not match the project ID")
    unenc1, enc1, enc2 = key, key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((enc2 + unenc1) & 0xFF)
        plain.append(byte)
        enc2, enc1, unenc1 = enc1, enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack_from("<I", plain, ignored)[0]
    data = bytes(plain[ignored + 4:])
    if len(data) != length:
        raise ValueError(f"length {length} does not match data of {len(data)} bytes")
    return data


# --------------------------------------------------------------------------
# The project
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Module:
    """One VBA module: its name, source text and kind.

    ``source`` is the module text as VBE exports it (starting with
    ``Attribute VB_Name = "..."``); line endings are stored as CRLF.
    ``kind`` is ``"procedural"`` (a standard .bas module) or ``"document"``
    (a host document module such as ThisWorkbook or Sheet1).
    """
    name: str
    source: str
    kind: str = PROCEDURAL


@dataclass(frozen=True)
class Reference:
    """A registered type library reference (REFERENCENAME + REFERENCEREGISTERED)."""
    name: str
    libid: str


STDOLE = Reference(
    "stdole",
    "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
    "C:\\Windows\\System32\\stdole2.tlb#OLE Automation")
# The Office library defines IRibbonControl for ribbon callbacks.
OFFICE = Reference(
    "Office",
    "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
    "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
    "Microsoft Office 16.0 Object Library")


def normalise_source(text: str) -> str:
    """Module text with CRLF line endings, as the VBA storage holds it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\r\n")


def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _u16(text: str) -> bytes:
    return text.encode("utf-16-le")


def dir_stream(project_name: str, modules: Sequence[Module],
               references: Sequence[Reference], codepage: int = 1252,
               lcid: int = 0x0409) -> bytes:
    """The uncompressed dir stream (2.3.4.2)."""
    enc = f"cp{codepage}"
    out = bytearray()
    # PROJECTINFORMATION (2.3.4.2.1)
    out += _rec(0x0001, struct.pack("<I", 1))             # PROJECTSYSKIND: Win32
    out += _rec(0x0002, struct.pack("<I", lcid))          # PROJECTLCID
    out += _rec(0x0014, struct.pack("<I", lcid))          # PROJECTLCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", codepage))      # PROJECTCODEPAGE
    out += _rec(0x0004, project_name.encode(enc))         # PROJECTNAME
    out += _rec(0x0005, b"") + _rec(0x0040, b"")          # PROJECTDOCSTRING
    out += _rec(0x0006, b"") + _rec(0x003D, b"")          # PROJECTHELPFILEPATH
    out += _rec(0x0007, struct.pack("<I", 0))             # PROJECTHELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))             # PROJECTLIBFLAGS
    # PROJECTVERSION: its Reserved field is 4 but 6 bytes follow.
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)
    out += _rec(0x000C, b"") + _rec(0x003C, b"")          # PROJECTCONSTANTS
    # PROJECTREFERENCES (2.3.4.2.2)
    for ref in references:
        out += _rec(0x0016, ref.name.encode(enc)) + _rec(0x003E, _u16(ref.name))
        libid = ref.libid.encode(enc)
        registered = struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0)
        out += _rec(0x000D, registered)
    # PROJECTMODULES (2.3.4.2.3)
    out += _rec(0x000F, struct.pack("<H", len(modules)))
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))        # PROJECTCOOKIE
    for m in modules:
        out += _rec(0x0019, m.name.encode(enc))           # MODULENAME
        out += _rec(0x0047, _u16(m.name))                 # MODULENAMEUNICODE
        out += _rec(0x001A, m.name.encode(enc)) + _rec(0x0032, _u16(m.name))
        out += _rec(0x001C, b"") + _rec(0x0048, b"")      # MODULEDOCSTRING
        out += _rec(0x0031, struct.pack("<I", 0))         # MODULEOFFSET
        out += _rec(0x001E, struct.pack("<I", 0))         # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))    # MODULECOOKIE
        out += _rec(0x0021 if m.kind == PROCEDURAL else 0x0022, b"")  # MODULETYPE
        out += _rec(0x002B, b"")                          # module terminator
    out += _rec(0x0010, b"")                              # dir terminator
    return bytes(out)


_VISIBLE = bytes([0xFF])


def _seed(project_id: str, field: str) -> int:
    return hashlib.sha256(f"{project_id}/{field}".encode()).digest()[0]


def project_stream(project_id: str, project_name: str,
                   modules: Sequence[Module]) -> str:
    """The PROJECT stream text (2.3.1), unprotected and visible."""
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == DOCUMENT:
            lines.append(f"Document={m.name}/&H00000000")
        else:
            lines.append(f"Module={m.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        # ProjectProtectionState: no protection bits.
        f'CMG="{encrypt(bytes(4), project_id, _seed(project_id, "CMG"))}"',
        # ProjectPassword: no password is a single 0x00 byte.
        f'DPB="{encrypt(bytes(1), project_id, _seed(project_id, "DPB"))}"',
        # ProjectVisibilityState: 0xFF, the project is visible.
        f'GC="{encrypt(_VISIBLE, project_id, _seed(project_id, "GC"))}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return "\r\n".join(lines) + "\r\n"


def projectwm_stream(modules: Sequence[Module], codepage: int = 1252) -> bytes:
    """PROJECTwm (2.3.3): each module name in MBCS and UTF-16, then 0x0000."""
    out = bytearray()
    for m in modules:
        out += m.name.encode(f"cp{codepage}") + b"\x00"
        out += _u16(m.name) + b"\x00\x00"
    return bytes(out + b"\x00\x00")


def _check_module(m: Module) -> None:
    if not m.name or len(m.name) > 31 or not m.name[0].isalpha() or not all(
            c.isalnum() or c == "_" for c in m.name):
        raise ValueError(f"invalid VBA module name: {m.name!r}")
    if m.kind not in (PROCEDURAL, DOCUMENT):
        raise ValueError(f"unknown module kind {m.kind!r}")


def build_vba_project(modules: Sequence[Module], project_name: str = "VBAProject",
                      project_id: str | None = None,
                      references: Sequence[Reference] = (STDOLE, OFFICE),
                      codepage: int = 1252) -> bytes:
    """Return ``vbaProject.bin`` bytes holding ``modules`` as source only.

    ``project_id`` is a braced GUID; by default one derived from the project
    name and module names, so identical input gives identical bytes.
    Module text must be encodable in ``codepage``.
    """
    names = [m.name.upper() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError("duplicate module names")
    for m in modules:
        _check_module(m)
    if project_id is None:
        digest = hashlib.sha256(
            "\0".join([project_name, *(m.name for m in modules)]).encode()).digest()
        project_id = "{" + str(uuid.UUID(bytes=digest[:16], version=4)).upper() + "}"
    enc = f"cp{codepage}"
    streams: dict[str, bytes] = {
        "PROJECT": project_stream(project_id, project_name, modules).encode(enc),
        "PROJECTwm": projectwm_stream(modules, codepage),
        # Reserved1 0x61CC, Version 0xFFFF, Reserved2 0x00, Reserved3 0x0001.
        "VBA/_VBA_PROJECT": bytes.fromhex("CC61FFFF000100"),
        "VBA/dir": compress(dir_stream(project_name, modules, references, codepage)),
    }
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(normalise_source(m.source).encode(enc))
    return write_cfb(streams)
