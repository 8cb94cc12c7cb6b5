"""lenet5-spark as an Airflow DAG: fetch -> prepare -> train -> evaluate.

Each task is a BashOperator that calls a submit/ script of the project (installed on the Airflow
workers at LENET5_HOME): fetch runs in one process (submit/local.sh) into a local folder on the
worker, prepare and evaluate run with a YARN client-mode driver on the worker (they read that
folder or print a report), train runs in YARN cluster mode. DAG params choose the folders and
URIs. The CLI exits 1 on failures worth retrying and 2/3 on usage or input errors; Airflow
retries every failure, so keep retries small.

The task commands are kept as plain data (STAGES) so that they can be checked without Airflow:
src/test/java/org/lenet5spark/submit/AirflowDagTest.java parses every command with the CLI.
"""

import os
import re
import shlex
from datetime import datetime, timedelta

LENET5_HOME = os.environ.get("LENET5_HOME", "/opt/lenet5")

PARAMS = {
    "idx_dir": "/tmp/lenet5/mnist-idx",
    "data_uri": "hdfs:///datasets/mnist-shards",
    "output_uri": "hdfs:///runs/lenet5",
    "epochs": "15",
}

# stage -> (submit script, script options, CLI arguments). "{{ params.X }}" and "{{ ds_nodash }}"
# are Airflow templates, rendered when the task runs.
STAGES = {
    "fetch": ("local.sh", [], ["fetch", "--to", "{{ params.idx_dir }}"]),
    "prepare": ("yarn.sh", ["--deploy-mode", "client"],
                ["prepare", "--input", "{{ params.idx_dir }}", "--output",
                 "{{ params.data_uri }}", "--overwrite"]),
    "train": ("yarn.sh", ["--deploy-mode", "cluster"],
              ["train", "--data", "{{ params.data_uri }}", "--output",
               "{{ params.output_uri }}/{{ ds_nodash }}", "--epochs", "{{ params.epochs }}",
               "--overwrite"]),
    "evaluate": ("yarn.sh", ["--deploy-mode", "client"],
                 ["evaluate", "--model", "{{ params.output_uri }}/{{ ds_nodash }}/model.zip",
                  "--data", "{{ params.data_uri }}", "--json"]),
}
ORDER = ["fetch", "prepare", "train", "evaluate"]

_TEMPLATE = re.compile(r"\{\{\s*(params\.)?([a-z_]+)\s*\}\}")


def bash_command(stage):
    """The shell command of a stage, with Airflow templates left in place."""
    script, script_opts, cli_args = STAGES[stage]
    words = [os.path.join(LENET5_HOME, "submit", script)]
    if script != "local.sh":
        words += script_opts + ["--"]
    words += cli_args
    return " ".join(shlex.quote(w) for w in words)


def cli_args(stage, values):
    """The CLI arguments of a stage with templates replaced from `values` (for checks)."""
    return [_TEMPLATE.sub(lambda m: values[m.group(2)], a) for a in STAGES[stage][2]]


def build_dag():
    from airflow import DAG
    from airflow.operators.bash import BashOperator

    with DAG(
        dag_id="lenet5_spark",
        description="Train LeNet-5 on MNIST with DL4J Spark parameter averaging",
        start_date=datetime(2026, 1, 1),
        schedule=None,
        catchup=False,
        params=PARAMS,
        default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
        tags=["lenet5-spark"],
    ) as dag:
        previous = None
        for stage in ORDER:
            task = BashOperator(task_id=stage, bash_command=bash_command(stage),
                                env={"LENET5_HOME": LENET5_HOME}, append_env=True)
            if previous is not None:
                previous >> task
            previous = task
    return dag


if __name__ != "__main__":
    try:
        import airflow  # noqa: F401
        dag = build_dag()
    except ImportError:
        dag = None
