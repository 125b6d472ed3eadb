"""The fake SDK carries every name public code uses against Milestone's real MIP SDK.

The list is `mip-sdk-names.txt` (T type, P property or field, M method,
E enum value). The product folder's copy (`../shared/product/`) wins when it
is there, since it is the specification; the copy in `tests/data/` keeps
the test meaningful where that folder is absent. Members are looked up
with FlattenHierarchy, so an inherited member counts, as it does for code
compiled against the real SDK.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
# The product folder sits beside the checkout (CI, /work/main) or two levels up (a worktree in /work/wt).
SHARED = next((p for p in (REPO.parent / "shared" / "product" / "mip-sdk-names.txt",
                           REPO.parent.parent / "shared" / "product" / "mip-sdk-names.txt") if p.is_file()),
              REPO.parent / "shared" / "product" / "mip-sdk-names.txt")
COPY = REPO / "tests" / "data" / "mip-sdk-names.txt"

pytestmark = pytest.mark.dotnet


def names_file() -> Path:
    return SHARED if SHARED.is_file() else COPY


def read_names(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, name = line.split(None, 1)
        out.append((kind, name.strip()))
    return out


def fake_types(sdk_runtime: Any) -> dict[str, Any]:
    import System

    types: dict[str, Any] = {}
    for asm in System.AppDomain.CurrentDomain.GetAssemblies():
        if not str(asm.GetName().Name).startswith("VideoOS."):
            continue
        for t in asm.GetExportedTypes():
            types[str(t.FullName)] = t
    return types


def missing_names(entries: list[tuple[str, str]], types: dict[str, Any]) -> list[str]:
    from System.Reflection import BindingFlags, MemberTypes

    flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.FlattenHierarchy
    wanted_kind = {"P": (MemberTypes.Property, MemberTypes.Field), "M": (MemberTypes.Method,),
                   "E": (MemberTypes.Field,)}
    missing = []
    for kind, name in entries:
        if kind == "T":
            if name not in types:
                missing.append(f"T {name}")
            continue
        owner, _, member = name.rpartition(".")
        t = types.get(owner)
        if t is None:
            missing.append(f"{kind} {name} (type {owner} missing)")
            continue
        members = list(t.GetMember(member, flags))
        if kind == "E" and not t.IsEnum:
            missing.append(f"E {name} ({owner} is not an enum)")
        elif not any(m.MemberType in wanted_kind[kind] for m in members):
            # Interfaces do not flatten: look at the interfaces they extend too.
            found = any(m.MemberType in wanted_kind[kind] for i in t.GetInterfaces()
                        for m in i.GetMember(member, flags))
            if not found:
                missing.append(f"{kind} {name}")
    return missing


def test_the_names_copy_matches_the_product_list() -> None:
    if not SHARED.is_file():
        pytest.skip("the product folder is not beside the repository")
    assert read_names(COPY) == read_names(SHARED), "tests/data/mip-sdk-names.txt is stale: copy it again"


def test_every_real_sdk_name_exists_in_the_fake(sdk_runtime: Any) -> None:
    entries = read_names(names_file())
    assert len(entries) > 200
    missing = missing_names(entries, fake_types(sdk_runtime))
    assert not missing, "the fake lacks these real SDK names:\n" + "\n".join(missing)


def test_the_check_notices_a_missing_name(sdk_runtime: Any) -> None:
    entries = [("T", "VideoOS.Platform.NoSuchType"), ("M", "VideoOS.Platform.SDK.Environment.NoSuchMethod"),
               ("P", "VideoOS.Platform.ConfigurationItems.Hardware.Address")]
    assert missing_names(entries, fake_types(sdk_runtime)) == [
        "T VideoOS.Platform.NoSuchType", "M VideoOS.Platform.SDK.Environment.NoSuchMethod"]


def test_the_interop_helper_uses_only_real_sdk_names(sdk_runtime: Any) -> None:
    """Every SDK type and member the compiled helper references is in the list (read from its IL)."""
    import re
    import shutil
    import subprocess

    ikdasm = shutil.which("ikdasm") or shutil.which("monodis")
    if ikdasm is None:
        pytest.skip("no IL disassembler (ikdasm, from mono-devel) on this machine")
    il = subprocess.run([ikdasm, str(sdk_runtime.interop)], check=True, capture_output=True, text=True).stdout
    refs = set(re.findall(r"\[VideoOS[^\]]*\](VideoOS[\w.]*)(?:::(\w+))?", il))
    assert refs, "the helper references no SDK name: the disassembly was not understood"
    known = {name for _, name in read_names(names_file())}
    # A type is confirmed by its T line or by members listed under it (IConfigurationItem has only those).
    known |= {name.rpartition(".")[0] for kind, name in read_names(names_file()) if kind != "T"}
    used = set()
    for owner, member in refs:
        if not member:
            used.add(owner)
            continue
        used.add(f"{owner}.{re.sub(r'^(get|set)_', '', member)}")
    assert sorted(used - known) == []
