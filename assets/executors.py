"""Which Dagster executor runs the steps of a run: a choice of the deployment, not of the code.

``OPENROUTER_CATALOG_EXECUTOR`` is read where the code location loads (the webserver, the
daemon, a run worker, a Celery worker), so every process of a deployment agrees:

- ``default`` (unset): Dagster's own default, multiprocess, or in-process when a run's config
  asks ``execution: {config: {in_process: {}}}``. On Kubernetes the run launcher starts each
  run in a pod of its own (an instance setting, ``deploy/k8s/dagster.yaml``), and this
  executor runs its steps there;
- ``celery``: each step a task for the Celery workers (``dagster-celery``, the ``celery``
  extra), through the broker and result backend named by ``OPENROUTER_CATALOG_CELERY_BROKER``
  and ``OPENROUTER_CATALOG_CELERY_BACKEND`` (Redis URLs, say). The workers are started with
  ``deploy/celery/celery.yaml``, which names the same two variables.

The steps share nothing but the storage resource and the Dagster instance, so any of these
runs the same assets (docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import os

import dagster as dg

ENV = "OPENROUTER_CATALOG_EXECUTOR"
CHOICES = ("default", "celery")
# the executor's config, resolved when a run starts: a schedule's runs need no run config
CELERY_CONFIG = {
    "broker": {"env": "OPENROUTER_CATALOG_CELERY_BROKER"},
    "backend": {"env": "OPENROUTER_CATALOG_CELERY_BACKEND"},
}


def executor_from_env() -> dg.ExecutorDefinition:
    name = (os.environ.get(ENV) or "default").strip().lower()
    if name == "default":
        return dg.multi_or_in_process_executor
    if name == "celery":
        try:
            from dagster_celery import celery_executor
        except ImportError:
            raise RuntimeError(
                f"{ENV}=celery needs dagster-celery: pip install 'openrouter-catalog[celery]'"
            ) from None
        return celery_executor.configured(CELERY_CONFIG, name="celery")
    raise ValueError(f"{ENV}={name!r}: choose one of {', '.join(CHOICES)}")
