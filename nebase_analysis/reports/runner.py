"""``nebase report``: run the report notebooks in parallel on warm kernels, export HTML, write the index.

How a run goes:

1. :func:`nebase_analysis.reports.prepare.prepare_report_data` reads the processed tables
   once and writes the tables every notebook reads (derived data, so under the processed
   folder: ``data/processed/report_data/*.parquet``).
2. :func:`plan_reports` lists one job per report (type × domain / category / province);
   :func:`queue_order` hands them to the workers longest first (estimated from
   ``reports.execution.cost`` and the number of applicants a report covers), so that the
   workers finish together.
3. A pool of ``jobs`` worker processes each starts one Jupyter kernel (``python3``, the
   kernelspec of the running environment) and imports the heavy modules in it once. For
   every notebook the worker resets the kernel to its clean start state and checks the
   state's fingerprint (a kernel that does not come back clean is restarted), then runs
   the notebook with papermill's Python API through the ``nebase-warm`` papermill engine
   (papermill's own nbclient engine, given the worker's kernel manager), and exports it
   with nbconvert in the same process.
4. A failed notebook is kept as the executed ``.ipynb`` under ``reports/_failed`` with
   its error, named in the summary and on the index page, never exported as a report. A
   report that succeeds leaves its HTML only (no second copy with code).
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

from nebase_analysis.config import category_labels, domain_table, province_table, resolve_config

__all__ = ["ReportJob", "ReportResult", "RunSummary", "plan_reports", "queue_order", "run_reports", "notebooks_dir",
           "configure_parser", "run_cli"]

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
    #: where the executed notebook is kept when the report fails (relative to the reports folder)
    failed_notebook: str
    group: dict = field(default_factory=dict)


@dataclass
class ReportResult:
    job: ReportJob
    ok: bool
    seconds: float
    error: str | None = None
    anchors: list = field(default_factory=list)
    detail: str | None = None
    #: seconds spent readying the kernel, executing the notebook, exporting HTML
    phases: dict = field(default_factory=dict)


@dataclass
class RunSummary:
    results: list
    index: Path | None
    seconds: float
    kernel_restarts: int = 0

    @property
    def failed(self) -> list:
        return [r for r in self.results if not r.ok]

    def by_type(self) -> dict:
        """``{type: (reports, seconds summed over the workers)}`` in run order."""
        out: dict = {}
        for r in self.results:
            n, sec = out.get(r.job.type, (0, 0.0))
            out[r.job.type] = (n + 1, sec + r.seconds)
        return out

    def text(self) -> str:
        """A Chinese summary for the terminal."""
        ok = sum(r.ok for r in self.results)
        lines = [f"报告：成功 {ok} 份，失败 {len(self.failed)} 份，用时 {self.seconds:.1f} 秒"]
        lines.append("  各类用时（各进程合计）：" + "，".join(f"{t} {n} 份 {sec:.1f} 秒" for t, (n, sec) in self.by_type().items()))
        for r in self.failed:
            lines.append(f"  失败：{r.job.title}（{r.job.notebook}）→ 执行记录 {r.job.failed_notebook}\n        {r.error}")
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
        The prepared tables the notebooks read (default ``processed_dir / reports.prepared_dir``).
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
    if province is not None:
        nationals = [t["national"] for t in rcfg["types"].values() if t.get("over") == "province" and "national" in t]
        hit = provinces[[province == p.name or province == p.id_code or province in p.aliases for p in provinces.itertuples()]]
        if not hit.empty:
            province = hit["name"].iat[0]
        elif province not in nationals:
            raise ValueError(f"未知的省份：{province}；可用：{'、'.join([*provinces.name, *nationals])}")
    cats = list(category_labels(cfg))
    processed_dir = Path(processed_dir).resolve() if processed_dir else Path("data/processed").resolve()
    data_dir = Path(data_dir).resolve() if data_dir else processed_dir / rcfg["prepared_dir"]
    base = {"processed_dir": str(processed_dir), "data_dir": str(data_dir), "reports_dir": str(reports_dir),
            "config_path": str(Path(config_path).resolve()) if config_path else ""}
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
                failed_notebook=f"{rcfg['failed_dir']}/{rtype}/{slug}.ipynb",
                group=group,
            )
        )

    for rtype in [t for t in rcfg["order"] if t in types]:
        tcfg = rcfg["types"][rtype]
        over = tcfg["over"]
        if over == "domain_category":
            for d in domains.itertuples():
                for c in cats:
                    add(rtype, f"{d.id}-{c}", f"{tcfg['title']}：{d.name}（{category_labels(cfg)[c]}）",
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


def queue_order(jobs: Sequence[ReportJob], overview, config: str | Path | Mapping[str, Any] | None = None) -> list[ReportJob]:
    """The jobs longest first (the order workers take them), so that parallel workers finish together.

    A job's estimated cost is ``base + per_applicant × n`` (seconds, from
    ``reports.execution.cost.<type>``), ``n`` the number of applicants the report covers
    (its domain × category, its domain, its province, or all). Ties keep the plan's order.

    Parameters
    ----------
    jobs : sequence of ReportJob
        From :func:`plan_reports`.
    overview : DataFrame
        ``applicant_id, domain, category, province`` (the prepared ``overview`` table).
    config : path, mapping or None
        Configuration.

    Examples
    --------
    >>> import pandas as pd
    >>> ov = pd.DataFrame({"applicant_id": ["a", "b", "c"], "domain": ["软件", "软件", "人工智能"],
    ...                    "category": ["park", "enterprise", "enterprise"], "province": "广东省"})
    >>> [j.slug for j in queue_order(plan_reports("reports", only="profiles"), ov)][:2]
    ['software', 'ai']
    """
    cost = resolve_config(config)["reports"]["execution"]["cost"]
    doms = overview["domain"].value_counts()
    cats = overview.groupby(["domain", "category"]).size()
    provs = overview["province"].value_counts()

    def covered(job: ReportJob) -> int:
        g = job.group
        if "category" in g:
            return int(cats.get((g["domain"], g["category"]), 0))
        if "domain" in g:
            return int(doms.get(g["domain"], 0))
        if "province" in g and g["province"] in provs.index:
            return int(provs[g["province"]])
        return len(overview)

    def estimate(job: ReportJob) -> float:
        base, per = cost.get(job.type, (1.0, 0.0))
        return float(base) + float(per) * covered(job)

    return sorted(jobs, key=estimate, reverse=True)  # sorted is stable: ties keep the plan order


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
        self.nb_kc = None
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
        # The client's parent is the manager, so "is the kernel alive?" asks the kernel
        # process. A client without a parent judges by the heartbeat instead, which only
        # beats once the kernel has bound its sockets: a kernel slower than the heartbeat's
        # 1 s period to start (two kernels starting together on a busy machine) was then
        # taken for dead ("Kernel died before replying to kernel_info"). The client has its
        # own session (not the manager's): papermill's client gets the manager's, and two
        # clients of one session share a shell socket identity, so replies go astray.
        self.kc = BlockingKernelClient(parent=self.km)
        self.kc.load_connection_info(self.km.get_connection_info())
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=self.start_timeout)
        self.baseline = self._run(WARM_CODE)
        self.runs = 0

    def notebook_client(self):
        """The asynchronous client papermill executes notebooks with, connected once per kernel.

        A new client per notebook cost 0.2 s each: ``wait_for_ready`` waits that long for
        the first IOPub message of a fresh subscription. Messages of other executions on
        the kernel (the reset between notebooks) are skipped by nbclient, which only reads
        the replies to its own requests.
        """
        from jupyter_core.utils import run_sync

        if self.nb_kc is None:
            kc = self.km.client()
            kc.start_channels()
            run_sync(kc.wait_for_ready)(timeout=self.start_timeout)
            kc.allow_stdin = False
            self.nb_kc = kc
        return self.nb_kc

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.nb_kc is not None:
            self.nb_kc.stop_channels()
            self.nb_kc = None
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
            client.kc = kernel.notebook_client()  # nbclient keeps a client it was given (it does not own the kernel)
            try:
                return client.execute()
            finally:
                _WORKER["last_nb"] = nb_man.nb  # kept for the failed-notebook record

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


def _keep_failed(nb, path: Path) -> None:
    """Write the executed notebook of a failed report, with papermill's error markers when it has a cell error."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    if nb is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        raise_for_execution_errors(nb, str(path))  # writes the notebook with the error marked, then raises
    except PapermillExecutionError:
        return
    nbformat.write(nb, str(path))


def _worker_run(job: ReportJob) -> ReportResult:
    """Run one job on the worker's warm kernel; export its HTML, or keep the executed notebook if it fails."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from nebase_analysis.reports.html import export_html

    s = _WORKER["settings"]
    kernel: _WarmKernel = _WORKER["kernel"]
    reports_dir = Path(s["reports_dir"])
    html_path = reports_dir / job.html
    failed = reports_dir / job.failed_notebook
    html_path.unlink(missing_ok=True)  # never leave a stale report of a failed notebook
    failed.unlink(missing_ok=True)  # nor the record of an earlier failure
    _WORKER["last_nb"] = None
    phases = {}
    t0 = time.perf_counter()

    def fail(error, detail=None):
        _keep_failed(_WORKER.get("last_nb"), failed)
        return ReportResult(job, False, time.perf_counter() - t0, error, detail=detail, phases=phases)

    try:
        kernel.ready()
        phases["ready"] = time.perf_counter() - t0
        nb = pm.execute_notebook(
            str(Path(s["notebooks_dir"]) / job.notebook),
            None,  # a report that succeeds leaves only its HTML
            parameters=job.params,
            engine_name=ENGINE_NAME,
            kernel_name=s["kernel"],
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=s["cell_timeout"],
            start_timeout=s["start_timeout"],
        )
        kernel.runs += 1
        phases["execute"] = time.perf_counter() - t0 - phases["ready"]
    except PapermillExecutionError as exc:
        kernel.runs += 1
        return fail(f"第 {exc.exec_count} 个单元出错：{exc.ename}: {exc.evalue}")
    except Exception as exc:  # kernel died, notebook missing, ...
        kernel.shutdown()  # the next job starts a fresh kernel
        return fail(f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=-4))
    t1 = time.perf_counter()
    try:
        page = export_html(nb, title=job.title, footer_html=s["footer"], exporter=_WORKER["exporter"])
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(page, encoding="utf-8")
    except Exception as exc:
        _WORKER["last_nb"] = nb
        return fail(f"导出 HTML 失败：{type(exc).__name__}: {exc}", traceback.format_exc(limit=2))
    phases["export"] = time.perf_counter() - t1
    return ReportResult(job, True, time.perf_counter() - t0, phases=phases)


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
    timings: str | Path | None = None,
) -> RunSummary:
    """Prepare the report tables, run every report notebook, export HTML, write the index.

    Parameters
    ----------
    processed_dir : path
        The processed tables (``data/processed``).
    reports_dir : path
        Output folder (``reports``): ``index.html``, ``<type>/<slug>.html``, and ``_failed/``
        (the executed notebooks of failed reports, only when some fail). The tables prepared
        for the notebooks go to ``<processed_dir>/report_data`` (``reports.prepared_dir``).
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
    timings : path, optional
        Write one CSV row per report (``type, slug, ok, seconds, ready, execute, export``).

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
    data_dir = processed_dir / rcfg["prepared_dir"]
    # an unknown type, domain or province is refused before any work
    plan = plan_reports(reports_dir, processed_dir=processed_dir, data_dir=data_dir, only=only, domain=domain, province=province, config=cfg, config_path=config_path)
    # provenance: the raw inputs and the stages' processed tables (not the report tables derived from them)
    inputs = [Path(raw_dir)] if raw_dir is not None else []
    inputs += sorted(p for p in processed_dir.rglob("*") if p.is_file() and not p.name.startswith(".") and data_dir not in p.parents)
    prov = provenance(inputs, cfg, when=when, root=Path.cwd())
    prepare_report_data(processed_dir, data_dir, cfg)
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
    import pandas as pd

    overview = pd.read_parquet(data_dir / "overview.parquet")
    queue = queue_order(plan, overview, cfg)
    n_workers = max(1, min(jobs or os.cpu_count() or 1, len(plan) or 1))
    results: list[ReportResult] = []
    restarts = 0
    bar = tqdm(total=len(plan), desc="报告", unit="份", disable=not progress, file=sys.stderr)
    try:
        if n_workers == 1:
            _worker_init(settings)
            try:
                for job in queue:
                    results.append(_worker_run(job))
                    bar.update(1)
                restarts = _worker_restarts()
            finally:
                _WORKER["kernel"].shutdown()
                _WORKER.clear()
        else:
            ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            with ctx.Pool(n_workers, initializer=_worker_init, initargs=(settings,)) as pool:
                for res in pool.imap_unordered(_worker_run, queue, chunksize=1):
                    results.append(res)
                    bar.update(1)
                    if not res.ok:
                        bar.write(f"失败：{res.job.title}：{res.error}", file=sys.stderr)
                pool.close()
                pool.join()
    finally:
        bar.close()
    for r in results:
        if r.ok and r.job.type == "profiles":
            rows = overview[overview["domain"] == r.job.group["domain"]]
            r.anchors = [(a, f"{n}") for a, n in zip(rows["applicant_id"], rows["name"])]
    order = {j.html: i for i, j in enumerate(plan)}
    results.sort(key=lambda r: order[r.job.html])
    full_plan = plan_reports(reports_dir, processed_dir=processed_dir, data_dir=data_dir, config=cfg, config_path=config_path)
    reports, failed = index_entries(full_plan, results, reports_dir, overview)
    index = write_index(reports, failed, prov, reports_dir, cfg)
    if timings is not None:
        _write_timings(results, Path(timings))
    return RunSummary(results=results, index=index, seconds=time.perf_counter() - t0, kernel_restarts=restarts)


def index_entries(full_plan: Sequence[ReportJob], results: Sequence[ReportResult], reports_dir: str | Path,
                  overview=None) -> tuple[list[dict], list[dict]]:
    """The index's reports and failures: this run's results merged with the reports on disk.

    A partial run (``--only``, ``--domain``, ``--province``) must not drop from the index
    the reports of earlier runs that are still in ``reports_dir``. Every report of the full
    plan whose HTML exists is listed, in plan order; a report that failed in this run is
    listed among the failures and not linked (its file on disk, if any, is stale).

    Parameters
    ----------
    full_plan : sequence of ReportJob
        :func:`plan_reports` without restrictions.
    results : sequence of ReportResult
        This run's results.
    reports_dir : path
        Where the HTML reports live.
    overview : DataFrame, optional
        ``applicant_id, name, domain``: the anchors of profile reports found on disk.

    Returns
    -------
    (reports, failed) : lists of dict
        As :func:`nebase_analysis.reports.index.write_index` takes them.

    Examples
    --------
    >>> index_entries([], [], "reports")
    ([], [])
    """
    reports_dir = Path(reports_dir)
    by_html = {r.job.html: r for r in results}
    jobs = list(full_plan) + [r.job for r in results if r.job.html not in {j.html for j in full_plan}]
    reports, failed = [], []
    for job in jobs:
        r = by_html.get(job.html)
        if r is not None and not r.ok:
            failed.append({"type": job.type, "title": job.title, "notebook": job.failed_notebook, "error": r.error})
            continue
        if r is None and not (reports_dir / job.html).is_file():
            continue
        anchors = list(r.anchors) if r is not None else []
        if r is None and job.type == "profiles" and overview is not None and "domain" in job.group:
            rows = overview[overview["domain"] == job.group["domain"]]
            anchors = [(a, f"{n}") for a, n in zip(rows["applicant_id"], rows["name"])]
        reports.append({"type": job.type, "title": job.title, "href": job.html, **job.group, "anchors": anchors})
    return reports, failed


def _write_timings(results: Sequence[ReportResult], path: Path) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["type", "slug", "ok", "seconds", "ready", "execute", "export"])
        for r in results:
            w.writerow([r.job.type, r.job.slug, int(r.ok), f"{r.seconds:.3f}",
                        *(f"{r.phases[k]:.3f}" if k in r.phases else "" for k in ("ready", "execute", "export"))])


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``nebase report``."""
    parser.add_argument("--only", action="append",
                        help="只生成该类报告（可重复）：ranking, distribution, province, data_quality, expert_panel, profiles")
    parser.add_argument("--domain", help="只生成该领域的报告（领域名称、别名或代码）")
    parser.add_argument("--province", help="只生成该省份（或“全国”）的省份报告")
    parser.add_argument("--jobs", type=int, default=None, help="并行进程数（默认：CPU 核数）")
    parser.add_argument("--processed", default="data/processed", help="处理后数据目录（默认 data/processed）")
    parser.add_argument("--reports", default="reports", help="报告输出目录（默认 reports）")
    parser.add_argument("--raw", default=None, help="原始申报材料目录（给出时计入校验值）")
    parser.add_argument("--config", default=None, help="用户配置 YAML（覆盖包内默认配置）")
    parser.add_argument("--no-progress", action="store_true", help="不显示进度条")
    parser.add_argument("--timings", default=None, help="把每份报告的用时写入此 CSV 文件")


def run_cli(args: argparse.Namespace) -> int:
    """Run ``nebase report``; exit code 1 when any report failed."""
    try:
        summary = run_reports(
            args.processed, args.reports, only=args.only, domain=args.domain, province=getattr(args, "province", None), jobs=args.jobs,
            config_path=args.config, raw_dir=getattr(args, "raw", None), progress=not getattr(args, "no_progress", False),
            timings=getattr(args, "timings", None),
        )
    except (ValueError, FileNotFoundError) as exc:
        print(f"nebase report：{exc}", file=sys.stderr)
        return 2
    print(summary.text())
    return 1 if summary.failed else 0
