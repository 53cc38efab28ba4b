"""Read a lesson's own definitions (networks, GAN subclass, budgets) out of its notebook.

The lessons write their networks and `train_step` in their notebooks (DESIGN.md), so the
benchmark runs that very code instead of keeping copies that could drift from it.
`load_definitions` executes the notebook's imports and the top-level definitions the requested
names need, following the names they use, and nothing else: no data loading, training or
plotting.
"""

import ast
import json
import linecache
from pathlib import Path

__all__ = ["load_definitions"]


def _code_cells(notebook):
    """Each code cell's statements; IPython magics (%pip, !ls) become `pass`."""
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = []
        for line in "".join(cell["source"]).splitlines():
            code = line.lstrip()
            magic = code.startswith(("%", "!"))
            lines.append(line[: len(line) - len(code)] + "pass" if magic else line)
        yield from ast.parse("\n".join(lines)).body


def _bound_names(statement):
    """The top-level names a statement defines."""
    if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return {node.id for target in targets for node in ast.walk(target)
                if isinstance(node, ast.Name)}
    return set()


def _free_names(statement):
    """Names a statement reads that it does not define itself (its locals and parameters)."""
    read, own = set(), set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else own).add(node.id)
        elif isinstance(node, ast.arg):
            own.add(node.arg)
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        own = set()  # module-level names it assigns are not read by it
    return read - own


def load_definitions(notebook, names):
    """Execute what `names` need from `notebook`; returns {name: object}.

    A name defined several times means what it would mean after running the notebook from
    top to bottom: the last definition for the names asked for, and for the names a
    definition uses, the last one before it.
    """
    statements = list(_code_cells(notebook))
    definitions = {}  # name -> indices of the statements that define it, in order
    for index, statement in enumerate(statements):
        for name in _bound_names(statement):
            definitions.setdefault(name, []).append(index)
    missing = [name for name in names if name not in definitions]
    if missing:
        raise KeyError(f"{Path(notebook).name} defines no {', '.join(missing)}")
    needed = {i for i, s in enumerate(statements) if isinstance(s, (ast.Import, ast.ImportFrom))}
    to_visit = [(name, len(statements)) for name in names]
    while to_visit:
        name, before = to_visit.pop()
        earlier = [index for index in definitions.get(name, []) if index < before]
        if earlier and earlier[-1] not in needed:
            needed.add(earlier[-1])
            to_visit.extend((used, earlier[-1]) for used in _free_names(statements[earlier[-1]]))
    source = ast.unparse(ast.Module(body=[statements[i] for i in sorted(needed)], type_ignores=[]))
    # Registered as a file, so that inspect.getsource finds it: AutoGraph converts a
    # train_step's Python loops from its source, as it would in the notebook.
    filename = f"<definitions from {Path(notebook).name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = {"__name__": f"lesson_{Path(notebook).stem}"}
    exec(compile(source, filename, "exec"), namespace)
    return {name: namespace[name] for name in names}
