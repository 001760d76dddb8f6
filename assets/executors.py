"""Which Dagster executor runs the steps of a run: a choice of the deployment, not of the code.

``Settings.executor`` (``OPENROUTER_CATALOG_EXECUTOR``) is read where the code location loads
(the webserver, the daemon, a run worker, a Celery worker), so every process of a deployment
agrees:

- ``default`` (unset): Dagster's multi-or-in-process executor, with in-process as its default
  rather than Dagster's multiprocess. A run launched from the UI, by the schedule or by the
  daemon then pays for the code location's start-up once, in its run worker, not once per
  step (with a process per step, a run from the UI took twice the command line's wall). A
  run's config may still ask ``execution: {config: {multiprocess: {}}}`` (``run --executor
  multiprocess``). On Kubernetes the run launcher starts each run in a pod of its own (an
  instance setting, ``deploy/k8s/dagster.yaml``), and this executor runs its steps there;
- ``celery``: each step a task for the Celery workers (``dagster-celery``, the ``celery``
  extra), through the broker and result backend named by ``OPENROUTER_CATALOG_CELERY_BROKER``
  and ``OPENROUTER_CATALOG_CELERY_BACKEND`` (Redis URLs, say). The workers are started with
  ``deploy/celery/celery.yaml``, which names the same two variables.

The steps share nothing but the storage resource and the Dagster instance, so any of these
runs the same assets (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import dagster as dg

# the executor's config, resolved by Dagster when a run starts (a schedule's runs need no run
# config), so the broker's URL, which may hold a password, never sits in a definition
CELERY_CONFIG = {
    "broker": {"env": "OPENROUTER_CATALOG_CELERY_BROKER"},
    "backend": {"env": "OPENROUTER_CATALOG_CELERY_BACKEND"},
}


def _in_process_first() -> dg.ExecutorDefinition:
    """Dagster's multi-or-in-process executor, its config's default turned to in-process."""
    base = dg.multi_or_in_process_executor
    return dg.ExecutorDefinition(
        name="in_process_first",
        config_schema=dg.Field(base.config_schema.config_type, default_value={"in_process": {}}),
        executor_creation_fn=base.executor_creation_fn,
        requirements=base.get_requirements,
        description="in-process unless a run's config asks for multiprocess",
    )


def executor(name: str) -> dg.ExecutorDefinition:
    """The executor ``Settings.executor`` names (validated there)."""
    if name == "celery":
        try:
            from dagster_celery import celery_executor
        except ImportError:
            raise RuntimeError(
                "OPENROUTER_CATALOG_EXECUTOR=celery needs dagster-celery: "
                "pip install 'openrouter-catalog[celery]'"
            ) from None
        return celery_executor.configured(CELERY_CONFIG, name="celery")
    return _in_process_first()
