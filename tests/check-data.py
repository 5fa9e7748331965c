#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validates the desktop integration files in data/ (the 'data' test suite).

  check-data.py desktop  TOOL FILE             desktop-file-validate on the merged .desktop
  check-data.py metainfo TOOL FILE VERSION     appstreamcli validate --no-net on the metainfo
  check-data.py gschema  TOOL SRCDIR BUILDDIR  glib-compile-schemas --strict --dry-run, keys
                                               documented, compiled defaults readable
  check-data.py service  FILE BINDIR           the systemd unit: structure, then
                                               systemd-analyze verify where it can run

TOOL is the path meson found, or '' when it did not: the test then exits 77 (skipped).
"""

import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SKIP = 77


def fail(message):
    print("FAIL: " + message)
    raise SystemExit(1)


def run(cmd, **kwargs):
    print("$ " + " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    output = (proc.stdout + proc.stderr).strip()
    if output:
        print(output)
    return proc.returncode, output


def need_tool(tool):
    if not tool:
        print("validator not found; skipping")
        raise SystemExit(SKIP)


def check_desktop(tool, path):
    need_tool(tool)
    rc, output = run([tool, path])
    if rc != 0:
        fail("desktop-file-validate rejected %s" % path)
    # desktop-file-validate exits 0 on warnings; this file should have none.
    if re.search(r"\b(warning|error):", output):
        fail("desktop-file-validate reported problems in %s" % path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # The merge ran with the catalogues: the Chinese name is there.
    if "Name[zh_CN]=烽火\n" not in text:
        fail("%s has no Name[zh_CN]=烽火: the translation was not merged" % path)


def check_metainfo(tool, path, version):
    need_tool(tool)
    rc, _ = run([tool, "validate", "--no-net", path])
    if rc != 0:
        fail("appstreamcli validate --no-net rejected %s" % path)
    ns = "{http://www.w3.org/XML/1998/namespace}lang"
    root = ET.parse(path).getroot()
    names = {n.get(ns): n.text for n in root.findall("name")}
    if names.get("zh_CN") != "烽火":
        fail("%s has no <name xml:lang=\"zh_CN\">烽火</name>: the translation was not merged"
             % path)
    releases = root.findall("releases/release")
    if not releases or releases[0].get("version") != version:
        fail("the newest <release> in %s is %r, but the project version is %s"
             % (path, releases[0].get("version") if releases else None, version))


def check_gschema(tool, srcdir, builddir):
    need_tool(tool)
    rc, _ = run([tool, "--strict", "--dry-run", srcdir])
    if rc != 0:
        fail("glib-compile-schemas --strict --dry-run rejected %s" % srcdir)

    undocumented = []
    count = 0
    for name in sorted(os.listdir(srcdir)):
        if not name.endswith(".gschema.xml"):
            continue
        root = ET.parse(os.path.join(srcdir, name)).getroot()
        if root.get("gettext-domain") != "beacon":
            fail("%s: <schemalist> needs gettext-domain=\"beacon\"" % name)
        for schema in root.findall("schema"):
            for key in schema.findall("key"):
                count += 1
                for child in ("summary", "description"):
                    el = key.find(child)
                    if el is None or not (el.text or "").strip():
                        undocumented.append("%s: key %s has no %s"
                                            % (name, key.get("name"), child))
    for line in undocumented:
        print("FAIL: " + line)
    if undocumented:
        raise SystemExit(1)
    print("%d keys, each with a summary and a description" % count)

    # The build's compiled schemas are what the other tests use through GSETTINGS_SCHEMA_DIR.
    if not os.path.exists(os.path.join(builddir, "gschemas.compiled")):
        fail("%s/gschemas.compiled is missing" % builddir)
    gsettings = shutil.which("gsettings")
    if gsettings:
        env = dict(os.environ, GSETTINGS_SCHEMA_DIR=builddir, GSETTINGS_BACKEND="memory")
        expected = {
            "basemap-source": "'schematic'",
            "server-url": "'http://127.0.0.1:8080'",
            "last-view": None,
            "overdue-p1-seconds": "60",
        }
        for key, value in expected.items():
            rc, output = run([gsettings, "get", "cn.jingmen.Beacon", key], env=env)
            if rc != 0:
                fail("gsettings cannot read cn.jingmen.Beacon %s from %s" % (key, builddir))
            # last-view's longitude prints with binary rounding; compare it as numbers.
            if key == "last-view":
                got = [float(x) for x in output.strip("()").split(",")]
                if [round(x, 6) for x in got] != [31.0355, 112.204, 12.0]:
                    fail("last-view defaults to %s" % output)
            elif output != value:
                fail("%s defaults to %s, expected %s" % (key, output, value))


SERVICE_REQUIRED = {
    "Unit": ["Description", "After"],
    "Service": ["Type", "ExecStart", "StateDirectory", "Restart", "KillSignal", "TimeoutStopSec",
                "NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"],
    "Install": ["WantedBy"],
}
SERVICE_VALUES = {
    ("Service", "Type"): "simple",
    ("Service", "StateDirectory"): "beacon",
    ("Service", "Restart"): "on-failure",
    ("Service", "KillSignal"): "SIGTERM",
    ("Service", "NoNewPrivileges"): "yes",
    ("Service", "ProtectSystem"): "strict",
    ("Service", "ProtectHome"): "yes",
    ("Service", "PrivateTmp"): "yes",
    ("Install", "WantedBy"): "multi-user.target",
}


def read_unit(path):
    # systemd allows repeated keys (SystemCallFilter twice); keep the last, as a list is not
    # needed for the keys checked here.
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return parser


def systemd_analyze_works(analyze, tmp):
    """systemd-analyze verify needs no running systemd, but check on a known-good unit."""
    probe = os.path.join(tmp, "beacon-probe.service")
    with open(probe, "w", encoding="utf-8") as f:
        f.write("[Unit]\nDescription=probe\n\n[Service]\nExecStart=%s\n" % shutil.which("true"))
    proc = subprocess.run([analyze, "verify", "--man=no", probe], capture_output=True, text=True)
    return proc.returncode == 0


def check_service(path, bindir):
    unit = read_unit(path)
    problems = []
    for section, keys in SERVICE_REQUIRED.items():
        if not unit.has_section(section):
            problems.append("no [%s] section" % section)
            continue
        for key in keys:
            if not unit.has_option(section, key):
                problems.append("[%s] has no %s=" % (section, key))
    for (section, key), value in SERVICE_VALUES.items():
        if unit.has_option(section, key) and unit.get(section, key) != value:
            problems.append("[%s] %s=%s, expected %s" % (section, key, unit.get(section, key), value))
    if unit.has_option("Service", "ExecStart"):
        argv = unit.get("Service", "ExecStart").split()
        if argv[0] != os.path.join(bindir, "beacon-server"):
            problems.append("ExecStart runs %s, expected %s/beacon-server" % (argv[0], bindir))
        for flag, value in (("--db", "/var/lib/beacon/beacon.db"), ("--listen", None)):
            if flag not in argv[1:-1]:
                problems.append("ExecStart has no %s" % flag)
            elif value and argv[argv.index(flag) + 1] != value:
                problems.append("ExecStart %s is not %s" % (flag, value))
    if unit.has_option("Service", "TimeoutStopSec"):
        if not re.fullmatch(r"\d+s?", unit.get("Service", "TimeoutStopSec")):
            problems.append("TimeoutStopSec is not a number of seconds")
    if not (unit.has_option("Service", "DynamicUser") or unit.has_option("Service", "User")):
        problems.append("the service runs as root: set DynamicUser= or User=")
    for p in problems:
        print("FAIL: %s: %s" % (path, p))
    if problems:
        raise SystemExit(1)
    print("%s: sections and required keys present" % path)

    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("systemd-analyze not found; structure checked only")
        return
    with tempfile.TemporaryDirectory() as tmp:
        if not systemd_analyze_works(analyze, tmp):
            print("systemd-analyze verify does not work here; structure checked only")
            return
        # beacon-server is not installed in bindir while testing: point ExecStart at an
        # executable that exists so that verify checks everything else.
        copy = os.path.join(tmp, "beacon-server.service")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = text.replace(os.path.join(bindir, "beacon-server"), shutil.which("true"), 1)
        with open(copy, "w", encoding="utf-8") as f:
            f.write(text)
        rc, output = run([analyze, "verify", "--man=no", copy])
        # verify only warns about unknown keys and bad values; they are errors here.
        if rc != 0 or "beacon-server.service" in output:
            fail("systemd-analyze verify reported problems in %s" % path)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "desktop" and len(args) == 2:
        check_desktop(*args)
    elif cmd == "metainfo" and len(args) == 3:
        check_metainfo(*args)
    elif cmd == "gschema" and len(args) == 3:
        check_gschema(*args)
    elif cmd == "service" and len(args) == 2:
        check_service(*args)
    else:
        raise SystemExit(__doc__)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
