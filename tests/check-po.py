#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that the zh_CN translation is complete and that po/POTFILES.in is.

Fails, printing exactly what is wrong, when
  - po/zh_CN.po does not pass `msgfmt --check` (also with the format flags that xgettext
    finds, so a msgstr whose %s/%d do not match its msgid fails);
  - po/zh_CN.po has an untranslated or fuzzy entry;
  - xgettext finds a msgid in the files of po/POTFILES.in that po/zh_CN.po lacks;
  - a file under src/, ui/ or data/ has translatable strings but is not in po/POTFILES.in,
    or po/POTFILES.in names a file that does not exist.

Usage: check-po.py SOURCE_ROOT.  Exit status 77 (skipped) when gettext's tools are missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

LANGUAGE = "zh_CN"
SCANNED_DIRS = ("src", "ui", "data")

# The keywords of meson's 'glib' preset (po/meson.build) plus plain ngettext, so this check
# extracts what `ninja beacon-pot` extracts.
XGETTEXT_ARGS = [
    "--from-code=UTF-8",
    "--add-comments",
    "--keyword=_",
    "--keyword=N_",
    "--keyword=C_:1c,2",
    "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2",
    "--keyword=g_dngettext:2,3",
    "--keyword=g_dpgettext2:2c,3",
    "--keyword=ngettext:1,2",
    "--flag=N_:1:pass-c-format",
    "--flag=C_:2:pass-c-format",
    "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format",
    "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format",
    "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format",
    "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format",
    "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format",
    "--flag=g_printerr:1:c-format",
    "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format",
    "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format",
]

# Files xgettext knows how to read; anything else under the scanned folders has no strings
# for gettext (CSS, images, SQL, scenario JSON).
EXTRACTABLE = (".c", ".h", ".ui", ".desktop.in", ".metainfo.xml.in", ".appdata.xml.in",
               ".gschema.xml")

# A gettext call in C.  The look-behind keeps g_strdup_printf (…) and similar names out.
C_MARKER = re.compile(r"(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|ngettext|g_dngettext)\s*\(")
XML_MARKER = re.compile(r"""translatable\s*=\s*["']yes["']""")


class Entry:
    def __init__(self):
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = {}
        self.flags = set()
        self.references = []
        self.obsolete = False

    @property
    def key(self):
        return (self.msgctxt, self.msgid)

    def describe(self):
        text = repr(self.msgid)
        if self.msgctxt is not None:
            text = "%s (context %r)" % (text, self.msgctxt)
        return text


def unquote(s):
    s = s.strip()
    if not (s.startswith('"') and s.endswith('"')):
        raise ValueError("not a quoted string: %s" % s)
    out = []
    i = 1
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
               "f": "\f", "v": "\v"}
    while i < len(s) - 1:
        c = s[i]
        if c == "\\" and i + 1 < len(s) - 1:
            out.append(escapes.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_po(path):
    """Returns the entries of a PO/POT file, the header included (msgid "")."""
    entries = []
    entry = Entry()
    field = None
    seen_field = False

    def finish():
        nonlocal entry, field, seen_field
        if entry.msgid is not None:
            entries.append(entry)
        entry = Entry()
        field = None
        seen_field = False

    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip():
                finish()
                continue
            if line.startswith("#~"):
                if seen_field:
                    finish()
                entry.obsolete = True
                line = line[2:].strip()
                if not line or line.startswith("#"):
                    continue
            elif line.startswith("#"):
                if seen_field:
                    finish()
                if line.startswith("#,"):
                    entry.flags.update(x.strip() for x in line[2:].split(","))
                elif line.startswith("#:"):
                    entry.references.extend(line[2:].split())
                continue
            try:
                if line.startswith('"'):
                    if field is None:
                        raise ValueError("continuation line without a keyword")
                    value = unquote(line)
                    if isinstance(field, tuple):
                        entry.msgstr[field[1]] += value
                    else:
                        setattr(entry, field, getattr(entry, field) + value)
                    continue
                keyword, _, rest = line.partition(" ")
                if keyword in ("msgctxt", "msgid") and entry.msgstr:
                    finish()
                seen_field = True
                m = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if m:
                    field = ("msgstr", int(m.group(1)))
                    entry.msgstr[field[1]] = unquote(rest)
                elif keyword == "msgstr":
                    field = ("msgstr", 0)
                    entry.msgstr[0] = unquote(rest)
                elif keyword in ("msgctxt", "msgid", "msgid_plural"):
                    field = keyword
                    setattr(entry, keyword, unquote(rest))
                else:
                    raise ValueError("unknown keyword %r" % keyword)
            except ValueError as e:
                raise SystemExit("%s:%d: cannot parse: %s" % (path, lineno, e))
    finish()
    return entries


def read_potfiles(path):
    files = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                files.append(line)
    return files


def run_xgettext(srcdir, files, output):
    cmd = ["xgettext", "--output=" + output, "--force-po", "--no-wrap"] + XGETTEXT_ARGS + files
    # A UTF-8 locale: in the C locale xgettext drops non-ASCII characters from XML input.
    env = dict(os.environ, LC_ALL="C.UTF-8")
    proc = subprocess.run(cmd, cwd=srcdir, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout + proc.stderr)
        raise SystemExit("xgettext failed: %s" % " ".join(cmd))


def candidate_files(srcdir):
    """Files under src/, ui/ and data/ that xgettext can read, relative to srcdir."""
    found = []
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(srcdir, top)):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(EXTRACTABLE):
                    found.append(os.path.relpath(os.path.join(dirpath, name), srcdir))
    return found


def has_marker(srcdir, rel):
    try:
        with open(os.path.join(srcdir, rel), encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError:
        return False
    if rel.endswith((".c", ".h")):
        # Strip comments so that a remark about _( does not count.
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        text = re.sub(r"//[^\n]*", "", text)
        return C_MARKER.search(text) is not None
    return XML_MARKER.search(text) is not None


def name_merged_lines(merged, output):
    """Replaces temp-file:LINE in msgfmt's output with the msgid of the entry at LINE."""
    with open(merged, encoding="utf-8") as f:
        lines = f.read().split("\n")

    def msgid_at(m):
        i = min(int(m.group(1)), len(lines)) - 1
        while i >= 0 and not lines[i].startswith("msgid "):
            i -= 1
        if i < 0:
            return m.group(0)
        text = unquote(lines[i][len("msgid "):])
        j = i + 1
        while j < len(lines) and lines[j].startswith('"'):
            text += unquote(lines[j])
            j += 1
        return "msgid %r:" % text

    return re.sub(re.escape(merged) + r":(\d+):", msgid_at, output)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: check-po.py SOURCE_ROOT")
    srcdir = os.path.abspath(sys.argv[1])
    for tool in ("xgettext", "msgfmt", "msgmerge"):
        if shutil.which(tool) is None:
            print("%s not found; skipping" % tool)
            return 77

    po_path = os.path.join(srcdir, "po", LANGUAGE + ".po")
    potfiles_path = os.path.join(srcdir, "po", "POTFILES.in")
    problems = []

    # 1. POTFILES.in lists every file with translatable strings, and only files that exist.
    listed = read_potfiles(potfiles_path)
    for rel in listed:
        if not os.path.isfile(os.path.join(srcdir, rel)):
            problems.append("po/POTFILES.in: %s does not exist" % rel)
    listed_set = set(listed)
    existing = [rel for rel in listed if os.path.isfile(os.path.join(srcdir, rel))]

    with tempfile.TemporaryDirectory() as tmp:
        candidates = candidate_files(srcdir)
        with_strings = set()
        if candidates:
            all_pot = os.path.join(tmp, "all.pot")
            run_xgettext(srcdir, candidates, all_pot)
            for e in parse_po(all_pot):
                for ref in e.references:
                    with_strings.add(ref.rsplit(":", 1)[0])
        with_strings.update(rel for rel in candidates if has_marker(srcdir, rel))
        for rel in sorted(with_strings - listed_set):
            problems.append("po/POTFILES.in: missing %s (it has translatable strings)" % rel)

        # 2. Every msgid that xgettext finds in POTFILES.in is in zh_CN.po.
        pot = os.path.join(tmp, "beacon.pot")
        run_xgettext(srcdir, existing, pot)
        template = [e for e in parse_po(pot) if e.msgid != ""]
        catalogue = parse_po(po_path)
        translated_keys = {e.key for e in catalogue if not e.obsolete}
        for e in template:
            if e.key not in translated_keys:
                problems.append("po/%s.po: missing msgid %s from %s"
                                % (LANGUAGE, e.describe(), " ".join(e.references)))

        # 3. No untranslated or fuzzy entries.
        for e in catalogue:
            if e.obsolete or e.msgid == "":
                continue
            if "fuzzy" in e.flags:
                problems.append("po/%s.po: fuzzy entry %s" % (LANGUAGE, e.describe()))
            if not e.msgstr or any(v == "" for v in e.msgstr.values()):
                problems.append("po/%s.po: untranslated entry %s" % (LANGUAGE, e.describe()))

        # 4. msgfmt --check on the catalogue itself, and on it merged with the template so that
        # the c-format flags xgettext found are checked against each msgstr.
        checks = [("po/%s.po" % LANGUAGE, po_path)]
        merged = os.path.join(tmp, "merged.po")
        proc = subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "--output-file=" + merged,
                               po_path, pot], capture_output=True, text=True)
        if proc.returncode != 0:
            problems.append("msgmerge failed: %s" % (proc.stdout + proc.stderr).strip())
        else:
            checks.append(("po/%s.po merged with the template" % LANGUAGE, merged))
        for label, path in checks:
            # msgmerge marks an entry whose msgstr breaks its format fuzzy; --use-fuzzy makes
            # msgfmt say what is wrong with it instead of skipping it.
            extra = ["--use-fuzzy"] if path == merged else []
            proc = subprocess.run(["msgfmt", "--check", "--statistics", "--output-file=/dev/null"]
                                  + extra + [path],
                                  capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
            output = (proc.stdout + proc.stderr).strip()
            if path == merged:
                output = name_merged_lines(merged, output)
            if proc.returncode != 0:
                problems.append("msgfmt --check failed on %s:\n%s" % (label, output))
            elif path == po_path:
                print("%s: %s" % (label, output))
                if re.search(r"\b\d+ (fuzzy|untranslated)", output):
                    problems.append("msgfmt --statistics on %s: %s" % (label, output))

    print("po/POTFILES.in: %d files; template: %d msgids" % (len(listed), len(template)))
    if problems:
        for p in problems:
            print("FAIL: " + p)
        print("%d problem(s)" % len(problems))
        return 1
    print("translation complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
