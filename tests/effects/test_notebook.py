"""notebooks/mhlw_cost_effect.ipynb runs top to bottom on the project's kernel and rebuilds the slide's tables."""
import pathlib

import pytest
from conftest import need

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "mhlw_cost_effect.ipynb"


def test_notebook_executes_and_reproduces_the_slide():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager
    specs = KernelSpecManager().find_kernel_specs()
    need("python3" in specs, "no python3 Jupyter kernel (pip install ipykernel)")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()   # every cell asserts its figures; a mismatch raises CellExecutionError
    text = "\n".join(str(out.get("data", {}).get("text/plain", "")) + str(out.get("text", ""))
                     for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", []))
    for figure in ("95218", "32784", "38395", "34211", "62434", "68368", "66618", "52.4", "18.1", "411.6"):
        assert figure in text, figure
