"""The Excel add-in: macros/ sources, the MS-OVBA / CFB writers and the built package.

The built files are read back by readers that share no code with ours:
olefile (compound file), oletools' olevba (VBA project) and LibreOffice
(imports the VBA project of the .xlsm twin into Basic libraries).
"""
from __future__ import annotations

import importlib
import inspect
import io
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from milebill_xl.excel import addin, ovba
from milebill_xl.excel.cfb import write_cfb

REPO = Path(__file__).resolve().parents[2]
MACROS = REPO / "macros"
NS_UI = "{http://schemas.microsoft.com/office/2009/07/customui}"
BUTTONS = ["refresh", "check", "issue_invoices", "record_payment", "release_retention",
           "void_invoice", "report", "prepare_for_sharing", "import_schedule", "verify_audit",
           "request_approval", "issue_and_email", "void_and_email", "remind",
           "release_and_email"]

_SUB = re.compile(
    r"^[ \t]*(?:Public[ \t]+)?Sub[ \t]+(\w+)[ \t]*\(([^)]*)\)[ \t]*$(.*?)^[ \t]*End[ \t]+Sub",
    re.MULTILINE | re.DOTALL | re.IGNORECASE)
_RIBBON_PARAM = re.compile(r"^\s*(?:ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl\s*$", re.I)
_RUNPYTHON = re.compile(r'^\s*RunPython\s+"([^"]*)"\s*$', re.MULTILINE)
_COMMAND = re.compile(r"^import ([\w.]+) as (\w+); ?(\w+)\.(\w+)\(\)$")


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _without_attributes(text: str) -> str:
    """Module text as the VBA editor shows it: leading Attribute lines hidden."""
    lines = _lf(text).split("\n")
    while lines and lines[0].startswith("Attribute VB_"):
        lines.pop(0)
    return "\n".join(lines)


def _bas_files() -> list[Path]:
    return sorted(MACROS.glob("*.bas"))


def _ribbon_subs() -> dict[str, tuple[str, str]]:
    """Sub name -> (parameter list, body) for every Sub in macros/*.bas."""
    subs = {}
    for path in _bas_files():
        for name, params, body in _SUB.findall(_lf(path.read_text(encoding="cp1252"))):
            subs[name] = (params, body)
    return subs


def _buttons() -> list:
    root = SafeET.parse(MACROS / "customUI14.xml").getroot()
    return list(root.iter(f"{NS_UI}button"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("addin")
    return {"xlam": addin.build_addin(out), "xlsm": addin.build_xlsm_twin(out)}


# ---------------------------------------------------------------- macros/

def test_macros_dir_has_sources_and_no_vendored_xlwings():
    assert (MACROS / "customUI14.xml").is_file()
    assert (MACROS / "README.md").is_file()
    assert _bas_files(), "macros/ has no .bas module"
    # The xlwings runtime comes from the installed package at build time.
    assert not (MACROS / "xlwings.bas").exists()


@pytest.mark.parametrize("path", _bas_files(), ids=lambda p: p.name)
def test_bas_module_is_importable_by_the_vba_editor(path):
    data = path.read_bytes()
    text = data.decode("cp1252")
    assert text.split("\r\n")[0] == f'Attribute VB_Name = "{path.stem}"'
    # The VBA editor's File > Import expects CRLF line endings.
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_ribbon_xml_is_well_formed_with_the_milestone_billing_tab():
    root = SafeET.parse(MACROS / "customUI14.xml").getroot()
    assert root.tag == f"{NS_UI}customUI"
    tabs = list(root.iter(f"{NS_UI}tab"))
    assert [t.get("label") for t in tabs] == ["Milestone Billing"]
    assert list(tabs[0].iter(f"{NS_UI}group")), "the tab has no groups"
    buttons = _buttons()
    assert len(buttons) == len(BUTTONS)
    ids = [b.get("id") for b in root.iter() if b.get("id")]
    assert len(ids) == len(set(ids)), "duplicate control ids"
    for b in buttons:
        for attr in ("id", "label", "imageMso", "screentip", "supertip", "onAction"):
            assert b.get(attr), f"button {b.get('id')} lacks {attr}"
    # Accepted by the builder's 2006-compatibility check, too.
    addin.ribbon_xml_2006()


def test_each_on_action_is_a_sub_with_the_iribboncontrol_signature():
    subs = _ribbon_subs()
    for b in _buttons():
        name = b.get("onAction")
        assert name in subs, f"onAction {name} has no Sub in macros/*.bas"
        params, _ = subs[name]
        assert _RIBBON_PARAM.match(params), f"Sub {name}({params}) is not (control As IRibbonControl)"


def _runpython_targets() -> dict[str, tuple[str, str]]:
    """onAction -> (module, function) parsed from the Sub's RunPython string."""
    subs = _ribbon_subs()
    targets = {}
    for b in _buttons():
        name = b.get("onAction")
        commands = _RUNPYTHON.findall(subs[name][1])
        assert len(commands) == 1, f"Sub {name} must make exactly one RunPython call"
        match = _COMMAND.match(commands[0])
        assert match, f"Sub {name}: unexpected RunPython command {commands[0]!r}"
        module, alias, used, function = match.groups()
        assert used == alias, f"Sub {name}: {commands[0]!r} calls through another name"
        targets[name] = (module, function)
    return targets


def test_runpython_commands_name_each_button_entry_point_once():
    targets = _runpython_targets()
    assert {m for m, _ in targets.values()} == {"milebill_xl.excel.buttons"}
    assert sorted(f for _, f in targets.values()) == sorted(BUTTONS)


def test_runpython_targets_are_importable_functions():
    """Fails until milebill_xl/excel/buttons.py (owned by a colleague) exists."""
    targets = _runpython_targets()
    missing = []
    for sub, (module_name, function) in sorted(targets.items()):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            pytest.fail(f"{module_name} does not exist yet; the ribbon needs "
                        f"{sorted(f for _, f in targets.values())}")
        func = getattr(module, function, None)
        if not callable(func):
            missing.append(f"{sub} -> {module_name}.{function}")
            continue
        required = [p for p in inspect.signature(func).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                           p.POSITIONAL_OR_KEYWORD)]
        assert not required, f"{module_name}.{function} must take no argument"
    assert not missing, f"RunPython targets missing: {missing}"


# ---------------------------------------------------------------- MS-OVBA

def _samples() -> list[bytes]:
    rng = random.Random(7)
    return [
        b"",
        b"a",
        b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
        b"abc" * 5000,                                     # long copies, many chunks
        bytes(rng.choice(b"ab\r\n") for _ in range(20000)),
        bytes(rng.randrange(256) for _ in range(3 * 4096)),  # incompressible, full chunks
        addin.xlwings_runtime_path().read_bytes(),
    ]


@pytest.mark.parametrize("data", _samples(), ids=lambda d: f"{len(d)}B")
def test_compression_round_trips_through_our_and_olevbas_decompressor(data):
    container = ovba.compress(data)
    assert container[0] == 1
    assert ovba.decompress(container) == data
    assert bytes(decompress_stream(bytearray(container))) == data


def test_decrypts_the_ms_ovba_project_stream_example():
    # MS-OVBA 3.1.6: an unprotected, visible project.
    pid = "{917DED54-440B-4FD1-A5C1-74ACF261E600}"
    assert ovba.decrypt("0705D8E3D8EDDBF1DBF1DBF1DBF1", pid) == bytes(4)
    assert ovba.decrypt("0E0CD1ECDFF4E7F5E7F5E7", pid) == b"\x00"
    assert ovba.decrypt("1517CAF1D6F9D7F9D706", pid) == b"\xff"


@pytest.mark.parametrize("seed", range(0, 256, 7))
def test_encryption_round_trips(seed):
    pid = "{01234567-89AB-CDEF-0123-456789ABCDEF}"
    for data in (bytes(4), b"\x00", b"\xff"):
        assert ovba.decrypt(ovba.encrypt(data, pid, seed), pid) == data


# ---------------------------------------------------------------- CFB

def _tree_in_order(ole, sid) -> list[str]:
    if sid == olefile.NOSTREAM:
        return []
    e = ole.direntries[sid]
    return _tree_in_order(ole, e.sid_left) + [e.name] + _tree_in_order(ole, e.sid_right)


def test_compound_file_reads_back_with_olefile():
    rng = random.Random(3)
    streams = {
        "PROJECT": b"x" * 569,
        "VBA/dir": bytes(rng.randrange(256) for _ in range(1278)),
        "VBA/big": bytes(rng.randrange(256) for _ in range(70000)),
        "VBA/cutoff": b"c" * 4096,
        "VBA/below": b"b" * 4095,
        "VBA/empty": b"",
        "a/b/deep": b"deep",
    }
    for i in range(40):
        streams[f"VBA/Module{i}"] = bytes([i]) * (i * 61)
    data = write_cfb(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    got = {"/".join(p): ole.openstream("/".join(p)).read() for p in ole.listdir()}
    assert got == streams
    # Every sibling tree is a binary search tree: length first, then uppercase.
    for entry in ole.direntries:
        if entry is not None and entry.entry_type in (olefile.STGTY_STORAGE,
                                                      olefile.STGTY_ROOT):
            names = _tree_in_order(ole, entry.sid_child)
            assert names == sorted(names, key=lambda n: (len(n), n.upper()))


# ---------------------------------------------------------------- the package

def _expected_sources() -> dict[str, str]:
    """Module name -> source text (LF) that the add-in must carry."""
    sources = {}
    for path in _bas_files():
        sources[path.stem] = _lf(path.read_text(encoding="cp1252"))
    sources["xlwings"] = _lf(addin.xlwings_runtime_path().read_text(encoding="cp1252"))
    return sources


def test_olevba_lists_every_module_with_identical_source(built):
    parser = VBA_Parser(str(built["xlam"]))
    try:
        assert parser.detect_vba_macros()
        found = {}
        for _, stream_path, vba_filename, code in parser.extract_all_macros():
            name = vba_filename.rsplit(".", 1)[0]
            assert name not in found, f"module {name} listed twice"
            found[name] = code if isinstance(code, str) else code.decode("cp1252")
    finally:
        parser.close()
    expected = _expected_sources()
    assert set(found) == set(expected) | {"ThisWorkbook", "Sheet1"}
    for name, source in expected.items():
        assert _lf(found[name]) == source, f"module {name} differs"


def test_vba_project_records(built):
    with zipfile.ZipFile(built["xlam"]) as zf:
        ole = olefile.OleFileIO(zf.read("xl/vbaProject.bin"),
                                raise_defects=olefile.DEFECT_INCORRECT)
    # No cached p-code: Excel must compile from source.
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    project = ole.openstream("PROJECT").read().decode("cp1252")
    pid = re.search(r'^ID="(\{[0-9A-F-]{36}\})"\r$', project, re.M).group(1)
    fields = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-F]+)"\r$', project, re.M))
    assert ovba.decrypt(fields["CMG"], pid) == bytes(4)      # not protected
    assert ovba.decrypt(fields["DPB"], pid) == b"\x00"       # no password
    assert ovba.decrypt(fields["GC"], pid) == b"\xff"        # visible
    expected = _expected_sources()
    for name in expected:
        assert f"Module={name}\r\n" in project
    for name in ("ThisWorkbook", "Sheet1"):
        assert f"Document={name}/&H00000000\r\n" in project
    # Walk the dir stream's records: id (2 bytes), size (4 bytes), data.
    d = ovba.decompress(ole.openstream("VBA/dir").read())
    records, i = [], 0
    while i < len(d):
        rid, size = int.from_bytes(d[i:i + 2], "little"), int.from_bytes(d[i + 2:i + 6], "little")
        if rid == 0x0009:          # PROJECTVERSION: 6 bytes follow a size of 4
            size = 6
        records.append((rid, d[i + 6:i + 6 + size]))
        i += 6 + size
    ids = [r for r, _ in records]
    assert ids[:4] == [0x0001, 0x0002, 0x0014, 0x0003] and ids[-1] == 0x0010
    assert dict(records)[0x0003] == (1252).to_bytes(2, "little")
    assert dict(records)[0x0004] == b"MileBill"
    modules, current = {}, None
    for rid, data in records:
        if rid == 0x0019:
            current = data.decode("cp1252")
            modules[current] = {}
        elif current is not None:
            modules[current].setdefault(rid, data)
    for name in expected:
        assert modules[name][0x001A] == name.encode()               # MODULESTREAMNAME
        assert modules[name][0x0031] == bytes(4)                    # MODULEOFFSET 0
        assert 0x0021 in modules[name]                              # procedural
        raw = ole.openstream(f"VBA/{name}").read()
        assert _lf(ovba.decompress(raw).decode("cp1252")) == expected[name]
    for name in ("ThisWorkbook", "Sheet1"):
        assert 0x0022 in modules[name]                              # document module


def _rels(zf, name) -> dict[str, str]:
    root = SafeET.fromstring(zf.read(name))
    return {r.get("Target"): r.get("Type") for r in root}


def _content_types(zf) -> tuple[dict[str, str], dict[str, str]]:
    root = SafeET.fromstring(zf.read("[Content_Types].xml"))
    defaults = {e.get("Extension"): e.get("ContentType") for e in root if e.tag.endswith("Default")}
    overrides = {e.get("PartName"): e.get("ContentType") for e in root if e.tag.endswith("Override")}
    return defaults, overrides


def test_addin_package_parts_and_relationships(built):
    with zipfile.ZipFile(built["xlam"]) as zf:
        assert zf.testzip() is None
        assert zf.namelist()[0] == "[Content_Types].xml"
        defaults, overrides = _content_types(zf)
        assert overrides["/xl/workbook.xml"] == \
            "application/vnd.ms-excel.addin.macroEnabled.main+xml"
        assert defaults["bin"] == "application/vnd.ms-office.vbaProject"
        root_rels = _rels(zf, "_rels/.rels")
        assert root_rels["customUI/customUI.xml"] == \
            "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
        assert root_rels["customUI/customUI14.xml"] == \
            "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
        assert zf.read("customUI/customUI14.xml") == (MACROS / "customUI14.xml").read_bytes()
        ui2006 = SafeET.fromstring(zf.read("customUI/customUI.xml"))
        assert ui2006.tag == "{http://schemas.microsoft.com/office/2006/01/customui}customUI"
        assert [b.get("onAction") for b in ui2006.iter(
            "{http://schemas.microsoft.com/office/2006/01/customui}button")] == \
            [b.get("onAction") for b in _buttons()]
        assert _rels(zf, "xl/_rels/workbook.xml.rels")["vbaProject.bin"] == \
            "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                SafeET.fromstring(zf.read(name))
        workbook = zf.read("xl/workbook.xml").decode()
        assert 'codeName="ThisWorkbook"' in workbook
        assert 'codeName="Sheet1"' in zf.read("xl/worksheets/sheet1.xml").decode()


def test_xlsm_twin_differs_only_in_the_workbook_content_type(built):
    with zipfile.ZipFile(built["xlam"]) as a, zipfile.ZipFile(built["xlsm"]) as b:
        assert a.namelist() == b.namelist()
        _, overrides = _content_types(b)
        assert overrides["/xl/workbook.xml"] == \
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        for name in a.namelist():
            if name != "[Content_Types].xml":
                assert a.read(name) == b.read(name), name


def test_build_is_reproducible(tmp_path, built):
    again = addin.build_addin(tmp_path)
    assert again.read_bytes() == built["xlam"].read_bytes()


def test_module_entry_point_builds_into_a_folder(tmp_path):
    out = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "milebill_xl.excel.addin", "build", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert (out / "MileBill.xlam").is_file()
    assert proc.stdout.strip() == str(out / "MileBill.xlam")


# ---------------------------------------------------------------- LibreOffice

_LO_HEADER = re.compile(r"\ARem Attribute VBA_ModuleType=\w+\nOption VBASupport 1\n")


@pytest.mark.libreoffice
def test_libreoffice_imports_the_same_module_text(built, tmp_path, soffice):
    from milebill_xl.office import convert

    (ods,) = convert([built["xlsm"]], "ods", tmp_path)
    modules = {}
    with zipfile.ZipFile(ods) as zf:
        for name in zf.namelist():
            if not (name.startswith("Basic/") and name.endswith(".xml")):
                continue
            root = SafeET.fromstring(zf.read(name))
            if root.tag == "{http://openoffice.org/2000/script}module":
                modules[root.get("{http://openoffice.org/2000/script}name")] = root.text or ""
    expected = _expected_sources()
    assert set(expected) <= set(modules), f"LibreOffice Basic modules: {sorted(modules)}"
    for name, source in expected.items():
        text = _lf(modules[name])
        assert _LO_HEADER.match(text), f"{name}: not imported as a VBA module"
        # LibreOffice hides the Attribute lines as the VBA editor does.
        assert _LO_HEADER.sub("", text).rstrip("\n") == \
            _without_attributes(source).rstrip("\n"), f"module {name} differs"


def test_cli_addin_build_writes_the_addin(tmp_path):
    """`milebill addin build DIR` is the documented way to get the add-in."""
    from click.testing import CliRunner

    from milebill_xl.cli import main
    res = CliRunner().invoke(main, ["addin", "build", str(tmp_path), "--xlsm"])
    assert res.exit_code == 0, res.output
    xlam, xlsm = tmp_path / "MileBill.xlam", tmp_path / "MileBill.xlsm"
    assert str(xlam) in res.output and xlam.is_file() and xlsm.is_file()
    with zipfile.ZipFile(xlam) as z:
        assert "xl/vbaProject.bin" in z.namelist()
