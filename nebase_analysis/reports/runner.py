"""``nebase report``: run the report notebooks in parallel on warm kernels, export HTML, write the index.

How a run goes:

1. :func:`nebase_analysis.reports.prepare.prepare_report_data` reads the processed tables
   once and writes the tables every notebook reads (``reports/_data/*.parquet``).
2. :func:`plan_reports` lists one job per report (type × domain / category / province).
3. A pool of ``jobs`` worker processes each starts one Jupyter kernel (``python3``, the
   kernelspec of the running environment) and imports the heavy modules in it once. For
   every notebook the worker resets the kernel to its clean start state and checks the
   state's fingerprint (a kernel that does not come back clean is restarted), then runs
   the notebook with papermill's Python API through the ``nebase-warm`` papermill engine
   (papermill's own nbclient engine, given the worker's kernel manager), and exports it
   with nbconvert in the same process.
4. A failed notebook is kept as the executed ``.ipynb`` under ``reports/_executed`` with
   its error, named in the summary and on the index page, never exported as a report.
5. ``reports/index.html`` links every report and states the run's provenance.

Examples
--------
>>> jobs = plan_reports("reports", only="province")
>>> len(jobs), jobs[-1].params["province"]
(33, '全国')
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from nebase_analysis.config import domain_table, province_table, resolve_config

__all__ = ["ReportJob", "ReportResult", "RunSummary", "plan_reports", "run_reports", "notebooks_dir", "configure_parser", "run_cli"]

ENGINE_NAME = "nebase-warm"

#: imported in every kernel once, before its first notebook (the heavy part of a notebook's start)
WARM_CODE = """\
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot
import numpy, pandas, pyarrow.parquet
import IPython.display
import nebase_analysis.reports.charts, nebase_analysis.reports.tables, nebase_analysis.reports.fonts
import nebase_analysis.reports._kernel as _nebase_kernel
nebase_analysis.reports.fonts.font_path()
print(_nebase_kernel.capture())
"""

RESET_CODE = "import nebase_analysis.reports._kernel as _k; print(_k.reset())"


def notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the checkout (the report notebooks live in ``notebooks/reports``)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


@dataclass(frozen=True)
class ReportJob:
    """One report to make: which notebook, with which parameters, written where."""

    type: str
    slug: str
    title: str
    notebook: str
    params: dict
    html: str
    executed: str
    group: dict = field(default_factory=dict)


@dataclass
class ReportResult:
    job: ReportJob
    ok: bool
    seconds: float
    error: str | None = None
    anchors: list = field(default_factory=list)
    detail: str | None = None


@dataclass
class RunSummary:
    results: list
    index: Path | None
    seconds: float
    kernel_restarts: int = 0

    @property
    def failed(self) -> list:
        return [r for r in self.results if not r.ok]

    def text(self) -> str:
        """A Chinese summary for the terminal."""
        ok = sum(r.ok for r in self.results)
        lines = [f"报告：成功 {ok} 份，失败 {len(self.failed)} 份，用时 {self.seconds:.1f} 秒"]
        for r in self.failed:
            lines.append(f"  失败：{r.job.title}（{r.job.notebook}）→ 执行记录 {r.job.executed}\n        {r.error}")
        if self.index is not None:
            lines.append(f"索引页：{self.index}")
        return "\n".join(lines)


def plan_reports(
    reports_dir: str | Path,
    *,
    processed_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    only: str | Sequence[str] | None = None,
    domain: str | None = None,
    province: str | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    config_path: str | Path | None = None,
) -> list[ReportJob]:
    """The list of reports of a run, in the configured order.

    Parameters
    ----------
    reports_dir : path
        Output folder (``reports``).
    processed_dir : path, optional
        The processed tables (default ``data/processed``), passed to the notebooks.
    data_dir : path, optional
        The prepared tables the notebooks read (default ``reports_dir / reports.prepared_dir``).
    only : str or sequence of str, optional
        Report types to keep (``ranking``, ``distribution``, ``province``, ``data_quality``,
        ``expert_panel``, ``profiles``).
    domain : str, optional
        Keep only reports of this domain (canonical name, alias or id). Reports not tied to
        a domain are then dropped unless ``province`` is given or their type is in ``only``.
    province : str, optional
        Keep only this province's report (canonical name, or the national label 全国).
    config, config_path
        The configuration; ``config_path`` (a user's YAML) is passed on to the notebooks.

    Returns
    -------
    list of ReportJob
    """
    cfg = resolve_config(config if config is not None else config_path)
    rcfg = cfg["reports"]
    reports_dir = Path(reports_dir).resolve()
    data_dir = Path(data_dir).resolve() if data_dir else reports_dir / rcfg["prepared_dir"]
    types = [only] if isinstance(only, str) else list(only or rcfg["order"])
    unknown = [t for t in types if t not in rcfg["types"]]
    if unknown:
        raise ValueError(f"未知的报告类型：{'、'.join(unknown)}；可用：{'、'.join(rcfg['order'])}")
    domains = domain_table(cfg)
    if domain is not None:
        hit = domains[[domain == d.name or domain == d.id or domain in d.aliases for d in domains.itertuples()]]
        if hit.empty:
            raise ValueError(f"未知的领域：{domain}；可用：{'、'.join(domains.name)}")
        domains = hit
    provinces = province_table(cfg)
    cats = list(rcfg["category_labels"])
    processed_dir = Path(processed_dir).resolve() if processed_dir else Path("data/processed").resolve()
    base = {"processed_dir": str(processed_dir), "data_dir": str(data_dir), "config_path": str(Path(config_path).resolve()) if config_path else ""}
    jobs: list[ReportJob] = []

    def add(rtype, slug, title, params, group):
        tcfg = rcfg["types"][rtype]
        jobs.append(
            ReportJob(
                type=rtype,
                slug=slug,
                title=title,
                notebook=tcfg["notebook"],
                params={**base, **params},
                html=f"{rtype}/{slug}.html" if tcfg["over"] != "none" else f"{rtype}.html",
                executed=f"{rcfg['executed_dir']}/{rtype}/{slug}.ipynb",
                group=group,
            )
        )

    for rtype in [t for t in rcfg["order"] if t in types]:
        tcfg = rcfg["types"][rtype]
        over = tcfg["over"]
        if over == "domain_category":
            for d in domains.itertuples():
                for c in cats:
                    add(rtype, f"{d.id}-{c}", f"{tcfg['title']}：{d.name}（{rcfg['category_labels'][c]}）",
                        {"domain": d.name, "category": c}, {"domain": d.name, "category": c})
        elif over == "domain":
            for d in domains.itertuples():
                add(rtype, d.id, f"{tcfg['title']}：{d.name}", {"domain": d.name}, {"domain": d.name})
        elif over == "province":
            if domain is not None and province is None and only is None:
                continue
            for p in provinces.itertuples():
                if province is None or province == p.name:
                    add(rtype, p.id_code, f"{tcfg['title']}：{p.name}", {"province": p.name}, {"province": p.name})
            if province is None or province == tcfg["national"]:
                add(rtype, "national", f"{tcfg['title']}：{tcfg['national']}", {"province": tcfg["national"]}, {"province": tcfg["national"]})
        elif over == "none":
            if domain is not None and province is None and only is None:
                continue
            add(rtype, rtype, tcfg["title"], {}, {})
        else:  # pragma: no cover - configuration error
            raise ValueError(f"reports.types.{rtype}.over 配置错误：{over}")
    return jobs


# ---------------------------------------------------------------------------------------
# Worker side: one warm kernel per process
# ---------------------------------------------------------------------------------------


class _WarmKernel:
    """A Jupyter kernel kept alive across notebooks, reset to a checked clean state before each."""

    def __init__(self, kernel_name: str, start_timeout: float, max_runs: int):
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.max_runs = max_runs
        self.km = None
        self.kc = None
        self.baseline = None
        self.runs = 0
        self.restarts = 0

    def start(self) -> None:
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        import tempfile

        # IPC sockets in a private folder: parallel workers never pick the same socket paths
        self._ipc_dir = tempfile.mkdtemp(prefix="nebase-kernel-")
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc", ip=f"{self._ipc_dir}/k")
        run_sync(self.km.start_kernel)()
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(self.km.get_connection_info())
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=self.start_timeout)
        self.baseline = self._run(WARM_CODE)
        self.runs = 0

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            finally:
                self.km = None
                import shutil

                shutil.rmtree(self._ipc_dir, ignore_errors=True)

    def _run(self, code: str) -> str:
        out: list[str] = []
        err: list[str] = []

        def hook(msg):
            t = msg["msg_type"]
            if t == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif t == "error":
                err.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        reply = self.kc.execute_interactive(code, timeout=self.start_timeout, output_hook=hook, store_history=False, allow_stdin=False)
        if reply["content"]["status"] != "ok" or err:
            raise RuntimeError(f"内核初始化失败：{'; '.join(err) or reply['content'].get('evalue')}")
        return "".join(out).strip().splitlines()[-1]

    def ready(self) -> None:
        """Make the kernel clean for the next notebook (restart when it cannot be)."""
        if self.km is None or self.runs >= self.max_runs:
            self.shutdown()
            self.start()
            return
        try:
            ok = self._run(RESET_CODE) == self.baseline
        except Exception:
            ok = False
        if not ok:
            self.restarts += 1
            self.shutdown()
            self.start()


_WORKER: dict = {}


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine on the worker's already started kernel."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                     start_timeout=60, execution_timeout=None, **kwargs):
            kernel: _WarmKernel = _WORKER["kernel"]
            safe = remove_args(["timeout", "startup_timeout", "km"], **kwargs)
            final = merge_kwargs(safe, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                                 log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, km=kernel.km, **final)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)


def _worker_init(settings: dict) -> None:
    import logging
    from multiprocessing.util import Finalize

    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    from nebase_analysis.reports.html import make_exporter

    _register_engine()
    kernel = _WarmKernel(settings["kernel"], settings["start_timeout"], settings["max_runs"])
    _WORKER.clear()
    _WORKER.update(kernel=kernel, exporter=make_exporter(), settings=settings)
    Finalize(kernel, kernel.shutdown, exitpriority=10)


def _worker_run(job: ReportJob) -> ReportResult:
    """Run one job; a kernel failure (not an error in the notebook) is retried once on a fresh kernel."""
    res = _worker_run_once(job)
    if not res.ok and res.detail is not None:
        _WORKER["kernel"].shutdown()
        res = _worker_run_once(job)
    return res


def _worker_run_once(job: ReportJob) -> ReportResult:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from nebase_analysis.reports.html import export_html

    s = _WORKER["settings"]
    kernel: _WarmKernel = _WORKER["kernel"]
    reports_dir = Path(s["reports_dir"])
    html_path = reports_dir / job.html
    executed = reports_dir / job.executed
    html_path.unlink(missing_ok=True)  # never leave a stale report of a failed notebook
    executed.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        kernel.ready()
        nb = pm.execute_notebook(
            str(Path(s["notebooks_dir"]) / job.notebook),
            str(executed),
            parameters=job.params,
            engine_name=ENGINE_NAME,
            kernel_name=s["kernel"],
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=s["cell_timeout"],
            start_timeout=s["start_timeout"],
        )
        kernel.runs += 1
    except PapermillExecutionError as exc:
        kernel.runs += 1
        return ReportResult(job, False, time.perf_counter() - t0, f"第 {exc.exec_count} 个单元出错：{exc.ename}: {exc.evalue}")
    except Exception as exc:  # kernel died, notebook missing, ...
        kernel.shutdown()
        return ReportResult(job, False, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}", detail=traceback.format_exc(limit=-4))
    try:
        page = export_html(nb, title=job.title, footer_html=s["footer"], exporter=_WORKER["exporter"])
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(page, encoding="utf-8")
    except Exception as exc:
        return ReportResult(job, False, time.perf_counter() - t0, f"导出 HTML 失败：{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=2)}")
    return ReportResult(job, True, time.perf_counter() - t0)


def _worker_restarts(_: Any = None) -> int:
    return _WORKER["kernel"].restarts if _WORKER else 0


# ---------------------------------------------------------------------------------------
# Main side
# ---------------------------------------------------------------------------------------


def run_reports(
    processed_dir: str | Path = "data/processed",
    reports_dir: str | Path = "reports",
    *,
    only: str | Sequence[str] | None = None,
    domain: str | None = None,
    province: str | None = None,
    jobs: int | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    config_path: str | Path | None = None,
    raw_dir: str | Path | None = None,
    progress: bool = True,
    when: str | None = None,
) -> RunSummary:
    """Prepare the report tables, run every report notebook, export HTML, write the index.

    Parameters
    ----------
    processed_dir : path
        The processed tables (``data/processed``).
    reports_dir : path
        Output folder (``reports``): ``index.html``, ``<type>/<slug>.html``, ``_data/`` (prepared
        tables), ``_executed/`` (executed notebooks).
    only, domain, province
        Restrict the run (see :func:`plan_reports`).
    jobs : int, optional
        Worker processes, each with one warm kernel (default: the number of cores).
    config, config_path
        Configuration; ``config_path`` (a user's YAML) is also passed to the notebooks.
    raw_dir : path, optional
        Raw inputs, checksummed into the provenance when given.
    progress : bool
        Show a tqdm progress bar on stderr.
    when : str, optional
        The time of the run to state (default: now).

    Returns
    -------
    RunSummary
        Results per report (``ok``, ``error``), the index path, timing.
    """
    import multiprocessing as mp

    from tqdm.auto import tqdm

    from nebase_analysis.reports.index import footer_html, provenance, write_index
    from nebase_analysis.reports.prepare import prepare_report_data

    t0 = time.perf_counter()
    cfg = resolve_config(config if config is not None else config_path)
    rcfg = cfg["reports"]
    reports_dir = Path(reports_dir).resolve()
    processed_dir = Path(processed_dir).resolve()
    reports_dir.mkdir(parents=True, exist_ok=True)
    data_dir = reports_dir / rcfg["prepared_dir"]
    prepare_report_data(processed_dir, data_dir, cfg)
    inputs = [p for p in (raw_dir, processed_dir) if p is not None]
    prov = provenance(inputs, cfg, when=when, root=Path.cwd())
    plan = plan_reports(reports_dir, processed_dir=processed_dir, data_dir=data_dir, only=only, domain=domain, province=province, config=cfg, config_path=config_path)
    ecfg = rcfg["execution"]
    settings = {
        "kernel": ecfg["kernel"],
        "start_timeout": ecfg["start_timeout"],
        "cell_timeout": ecfg["cell_timeout"],
        "max_runs": ecfg["max_runs_per_kernel"],
        "reports_dir": str(reports_dir),
        "notebooks_dir": str(notebooks_dir()),
        "footer": footer_html(prov),
    }
    n_workers = max(1, min(jobs or os.cpu_count() or 1, len(plan) or 1))
    results: list[ReportResult] = []
    restarts = 0
    bar = tqdm(total=len(plan), desc="报告", unit="份", disable=not progress, file=sys.stderr)
    try:
        if n_workers == 1:
            _worker_init(settings)
            try:
                for job in plan:
                    results.append(_worker_run(job))
                    bar.update(1)
                restarts = _worker_restarts()
            finally:
                _WORKER["kernel"].shutdown()
                _WORKER.clear()
        else:
            ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            with ctx.Pool(n_workers, initializer=_worker_init, initargs=(settings,)) as pool:
                for res in pool.imap_unordered(_worker_run, plan, chunksize=1):
                    results.append(res)
                    bar.update(1)
                    if not res.ok:
                        bar.write(f"失败：{res.job.title}：{res.error}", file=sys.stderr)
                pool.close()
                pool.join()
    finally:
        bar.close()
    import pandas as pd

    overview = pd.read_parquet(data_dir / "overview.parquet")
    for r in results:
        if r.ok and r.job.type == "profiles":
            rows = overview[overview["domain"] == r.job.group["domain"]]
            r.anchors = [(a, f"{n}") for a, n in zip(rows["applicant_id"], rows["name"])]
    order = {j.html: i for i, j in enumerate(plan)}
    results.sort(key=lambda r: order[r.job.html])
    reports = [
        {"type": r.job.type, "title": r.job.title, "href": r.job.html, **r.job.group, "anchors": r.anchors}
        for r in results if r.ok
    ]
    failed = [{"type": r.job.type, "title": r.job.title, "notebook": r.job.executed, "error": r.error} for r in results if not r.ok]
    index = write_index(reports, failed, prov, reports_dir, cfg)
    return RunSummary(results=results, index=index, seconds=time.perf_counter() - t0, kernel_restarts=restarts)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase report``."""
    parser.add_argument("--only", action="append", metavar="TYPE",
                        help="只生成该类报告（可重复）：ranking, distribution, province, data_quality, expert_panel, profiles")
    parser.add_argument("--domain", help="只生成该领域的报告（领域名称、别名或代码）")
    parser.add_argument("--province", help="只生成该省份（或“全国”）的省份报告")
    parser.add_argument("--jobs", type=int, default=None, help="并行进程数（默认：CPU 核数）")
    parser.add_argument("--processed", default="data/processed", help="处理后数据目录（默认 data/processed）")
    parser.add_argument("--reports", default="reports", help="报告输出目录（默认 reports）")
    parser.add_argument("--raw", default=None, help="原始申报材料目录（给出时计入校验值）")
    parser.add_argument("--config", default=None, help="用户配置 YAML（覆盖包内默认配置）")
    parser.add_argument("--no-progress", action="store_true", help="不显示进度条")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``nebase report``; exit code 1 when any report failed."""
    try:
        summary = run_reports(
            args.processed, args.reports, only=args.only, domain=args.domain, province=getattr(args, "province", None), jobs=args.jobs,
            config_path=args.config, raw_dir=getattr(args, "raw", None), progress=not getattr(args, "no_progress", False),
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"nebase report：{exc}", file=sys.stderr)
        return 2
    print(summary.text())
    return 1 if summary.failed else 0
