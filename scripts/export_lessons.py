"""Export the notebooks' `# @save` cells into gan_utils/lessons/, as d2l's book does.

    python scripts/export_lessons.py           # write gan_utils/lessons/<name>.py (make export)
    python scripts/export_lessons.py --check   # write nothing; exit 1 if a module is out of date

A code cell whose first line is `# @save` holds code a later lesson reuses. Everything below
that line goes, verbatim and in notebook order, into the lesson's module: notebooks/02_dcgan.ipynb
exports to gan_utils/lessons/dcgan.py. Above the cells' code the module gets a docstring and the
notebook's imports that the code uses. The export refuses code that reads a notebook global or
runs anything on import: a marked cell holds only imports, definitions and constants.
Cells are counted from 1, markdown cells included, in the messages.
"""

import argparse
import ast
import builtins
import json
import re
import subprocess
import symtable
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MARKER = "# @save"
IMPORTS = (ast.Import, ast.ImportFrom)
# Names every module has without defining them; a function that says `super` reads __class__.
PREDEFINED = (set(dir(builtins)) - {"display", "get_ipython", "__IPYTHON__"}  # run in IPython
              | {"__file__", "__name__", "__spec__", "__class__"})


class ExportError(Exception):
    """A marked cell that cannot become module code; the message says which and why."""


# ----------------------------------------------------------------------- reading a notebook


def read_cells(notebook):
    """The notebook's cells, as its JSON holds them."""
    return json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]


def without_magics(source):
    """The source with each IPython magic line (%pip, !ls) replaced by `pass`, so that it parses."""
    lines = []
    for line in source.splitlines():
        code = line.lstrip()
        magic = code.startswith(("%", "!"))
        lines.append(line[: len(line) - len(code)] + "pass" if magic else line)
    return "\n".join(lines)


def marked_body(source):
    """The code below a `# @save` first line, or None for an unmarked cell."""
    first, _, rest = source.partition("\n")
    return rest.strip("\n") if first.rstrip() == MARKER else None


def lesson_title(cells):
    """The `# ` heading of the first markdown cell, or None."""
    for cell in cells:
        if cell["cell_type"] == "markdown":
            lines = "".join(cell["source"]).splitlines()
            return next((line[2:].strip() for line in lines if line.startswith("# ")), None)
    return None


# --------------------------------------------------------------- what the marked cells may do


def runs_code(node):
    """Whether evaluating `node` calls something (a lambda's body runs only when called)."""
    if isinstance(node, ast.Lambda):
        return False
    return isinstance(node, ast.Call) or any(map(runs_code, ast.iter_child_nodes(node)))


def is_plain_names(target):
    """`NAME` or `A, B`: the targets a constant may have."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(is_plain_names(element) for element in target.elts)
    if isinstance(target, ast.Starred):
        return is_plain_names(target.value)
    return isinstance(target, ast.Name)


def exportable(statement, defined):
    """Whether a top-level statement only defines something: imports, defs, constants.

    A constant, named in UPPER_CASE, may be computed by a call (`BUDGETS = {"cpu":
    dict(...)}`); other assignments may not call anything:
    `generator = build_generator()` belongs to the notebook. An assignment may also set an
    attribute of what the marked cells define, `defined`: `CycleGAN.train_step = train_step`.
    Decorators run on import too; they are allowed, as `register_keras_serializable` needs.
    """
    if isinstance(statement, (*IMPORTS, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(statement, ast.Expr):  # a docstring
        return isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if all(is_plain_names(target) and all(name.isupper() for name in target_names(target))
               for target in targets):
            return True
        on_own_names = all(
            is_plain_names(target)
            or isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            and target.value.id in defined
            for target in targets
        )
        return on_own_names and not (statement.value and runs_code(statement.value))
    return False


def target_names(target):
    return [node.id for node in ast.walk(target) if isinstance(node, ast.Name)]


def defined_names(statements):
    """The names that def, class and assignment statements define."""
    names = set()
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(*(target_names(target) for target in targets if is_plain_names(target)))
    return names


def global_reads(table):
    """The global names that code reads, its functions' and classes' bodies included.

    symtable applies Python's own scoping: a function's parameters and locals, and names a
    nested function takes from the one around it, are not globals.
    """
    names = {symbol.get_name() for symbol in table.get_symbols()
             if symbol.is_referenced() and symbol.is_global()}
    for child in table.get_children():
        names |= global_reads(child)
    return names


def module_bindings(table):
    """The global names that code binds: its imports, definitions and assignments."""
    return {symbol.get_name() for symbol in table.get_symbols()
            if symbol.is_assigned() or symbol.is_imported() or symbol.is_declared_global()}


# ------------------------------------------------------------------------------ the imports


def import_bindings(statement):
    """(name bound, alias) for each name an import statement binds: `import a.b` binds a."""
    for alias in statement.names:
        if alias.name != "*":
            bound = alias.asname or (alias.name if isinstance(statement, ast.ImportFrom)
                                     else alias.name.partition(".")[0])
            yield bound, alias


def needed_imports(import_statements, names):
    """The imports that bind `names`, trimmed to those names; the first binding of a name wins."""
    kept, provided = [], set()
    for statement in import_statements:
        aliases = []
        for bound, alias in import_bindings(statement):
            if bound in names and bound not in provided:
                provided.add(bound)
                aliases.append(alias)
        if aliases:
            trimmed = (ast.ImportFrom(statement.module, aliases, statement.level)
                       if isinstance(statement, ast.ImportFrom) else ast.Import(aliases))
            kept.append(ast.unparse(trimmed))
    return kept, provided


def sorted_import_block(lines, destination):
    """The import lines as ruff's isort rules (I001, with the project's config) order them.

    Ruff is the judge of the order (sections, wrapping at 100 columns), so it writes it.
    """
    command = [sys.executable, "-m", "ruff", "check", "--quiet", "--select", "I", "--fix",
               "--config", str(ROOT / "pyproject.toml"), "--stdin-filename", str(destination), "-"]
    # From the project root: there ruff's config finds gan_utils/, a first-party package.
    result = subprocess.run(command, input="\n".join(lines) + "\n", capture_output=True,
                            text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise ExportError(f"ruff could not sort the imports: {result.stderr.strip()}")
    return result.stdout.strip("\n")


# ----------------------------------------------------------------------------- the modules


def lesson_name(notebook):
    """`02_dcgan.ipynb` → ("02", "dcgan"): the lesson's number and its module's name."""
    stem = Path(notebook).stem
    match = re.fullmatch(r"(\d+)_(.+)", stem)
    number, name = match.groups() if match else (None, stem)
    if not name.isidentifier():
        raise ExportError(f"{Path(notebook).name}: {name!r} cannot be a module's name")
    return number, name


def header(notebook, cells):
    """The generated module's docstring: where its code comes from, and not to edit it."""
    number, _ = lesson_name(notebook)
    title = lesson_title(cells) or (f"Lesson {number}" if number else Path(notebook).stem)
    source = f"{Path(notebook).parent.name}/{Path(notebook).name}"
    lines = [
        *textwrap.wrap(f"Reusable code of {title}.", 96),
        "",
        *textwrap.wrap(f"Exported from the `{MARKER}` cells of {source} by"
                       " scripts/export_lessons.py.", 96),
        f"Do not edit: change the notebook's `{MARKER}` cells and run `make export`.",
    ]
    text = "\n".join(lines).replace("\\", "\\\\").replace('"""', r'\"""')  # as in a title
    return f'"""{text}\n"""'


def shorten(line, width=60):
    return line if len(line) <= width else line[: width - 1] + "…"


def parse(source, cell, notebook_name):
    try:
        return ast.parse(source)
    except SyntaxError as error:
        raise ExportError(f"cell {cell} of {notebook_name} does not parse: {error}") from error


def export_notebook(notebook, destination):
    """The module text for a notebook's marked cells, or None if it has none."""
    notebook_name, cells = Path(notebook).name, read_cells(notebook)
    import_statements, marked = [], []  # marked: (cell number, its lines, body, parsed cell)
    for cell, content in enumerate(cells, start=1):  # counted as a reader counts them
        if content["cell_type"] != "code":
            continue
        source = "".join(content["source"])
        body = marked_body(source)
        if body is None:  # an unmarked cell: only its imports matter
            tree = parse(without_magics(source), cell, notebook_name)
            import_statements += [s for s in tree.body if isinstance(s, IMPORTS)]
            continue
        if body != without_magics(body):
            raise ExportError(f"cell {cell} of {notebook_name} holds an IPython magic (% or !),"
                              " which a module cannot run: move it to the next cell")
        # The whole cell is parsed, its marker too, so that line numbers are the cell's.
        marked.append((cell, source.splitlines(), body, parse(source, cell, notebook_name)))
    if not marked:
        return None

    errors = []
    defined = defined_names(s for *_, tree in marked for s in tree.body)
    for cell, lines, _, tree in marked:
        running = [s for s in tree.body if not exportable(s, defined)]
        if running:  # the first one, as an example: the others are likely its neighbours
            line = shorten(lines[running[0].lineno - 1].strip())
            more = f" (and {len(running) - 1} more statements)" if len(running) > 1 else ""
            errors.append(
                f"cell {cell} of {notebook_name}, line {running[0].lineno}: `{line}`{more} would"
                " run when the module is imported (a @save cell holds only imports, definitions"
                " and constants, named in UPPER_CASE): move it to the next cell")

    # The globals each marked cell reads, less those the marked cells bind themselves.
    tables = {cell: symtable.symtable(body, notebook_name, "exec") for cell, _, body, _ in marked}
    bound = set().union(*(module_bindings(table) for table in tables.values()))
    reads = {cell: global_reads(table) - bound for cell, table in tables.items()}
    imports, imported = needed_imports(import_statements, set().union(*reads.values()))
    for cell, names in reads.items():
        if missing := sorted(names - imported - PREDEFINED):
            errors.append(
                f"cell {cell} of {notebook_name} reads {', '.join(missing)}, which no @save cell"
                " or import defines: pass it as an argument or mark the cell that defines it")
    if errors:
        raise ExportError("\n".join(errors))

    text = header(notebook, cells)
    if any(isinstance(s, IMPORTS) for *_, tree in marked for s in tree.body):
        # The cells' own imports stay where the lesson wrote them, after other code.
        text += "\n# ruff: noqa: E402, I001"
    code = "\n\n\n".join(body for _, _, body, _ in marked if body)
    if imports:
        text += "\n\n" + sorted_import_block(imports, destination) + gap_after_imports(code)
    elif code:
        text += "\n\n\n"
    return text + code + "\n"


def gap_after_imports(code):
    """What ruff's isort wants after the imports: 2 blank lines before a def or class, else 1."""
    first = next(iter(ast.parse(code).body), None)
    definition = isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    return "\n\n\n" if definition else "\n\n"


def lessons_dir(notebooks_dir):
    """gan_utils/lessons/ beside the notebooks/ folder, as in this project."""
    return Path(notebooks_dir).resolve().parent / "gan_utils" / "lessons"


def exported_modules(notebooks_dir=NOTEBOOKS):
    """{destination path: module text} for every notebook with `# @save` cells."""
    modules, sources = {}, {}
    for notebook in sorted(Path(notebooks_dir).glob("*.ipynb")):
        destination = lessons_dir(notebooks_dir) / f"{lesson_name(notebook)[1]}.py"
        text = export_notebook(notebook, destination)
        if text is None:
            continue
        if destination in modules:
            raise ExportError(f"{sources[destination]} and {notebook.name} would both export"
                              f" to {destination.name}: rename one")
        modules[destination], sources[destination] = text, notebook.name
    return modules


def out_of_date(modules, notebooks_dir):
    """The lesson modules on disk that differ from `modules`: changed, missing or stale."""
    folder = lessons_dir(notebooks_dir)
    stale = [path for path in folder.glob("*.py") if path.name != "__init__.py"
             and path not in modules]
    differ = [path for path, text in modules.items()
              if not path.exists() or path.read_bytes() != text.encode("utf-8")]
    return sorted(differ + stale)


def export(notebooks_dir=NOTEBOOKS):
    """Write the modules that changed, delete the stale ones; returns the paths touched."""
    modules = exported_modules(notebooks_dir)
    touched = out_of_date(modules, notebooks_dir)
    for path in touched:
        if path in modules:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(modules[path].encode("utf-8"))  # bytes: \n endings on every OS
            print(f"wrote {shown(path, notebooks_dir)}")
        else:
            path.unlink()
            print(f"deleted {shown(path, notebooks_dir)}: no notebook has @save cells for it")
    return touched


def check(notebooks_dir=NOTEBOOKS):
    """0 if gan_utils/lessons/ matches the notebooks, else 1, listing the modules that differ."""
    differ = out_of_date(exported_modules(notebooks_dir), notebooks_dir)
    for path in differ:
        print(f"out of date: {shown(path, notebooks_dir)}")
    if differ:
        print("gan_utils/lessons/ differs from the notebooks' # @save cells: run `make export`")
    return 1 if differ else 0


def shown(path, notebooks_dir):
    """A path as seen from the project root."""
    return path.relative_to(Path(notebooks_dir).resolve().parent).as_posix()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if gan_utils/lessons/ is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            return check()
        export()
        return 0
    except ExportError as error:
        print(f"export_lessons: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
