"""``make up`` / ``make logs`` / ``make down``: the stack left running for hands-on work, with hot reload.

    python -m pipeline_tooling.harness.sandbox up [--source lambda] [--failure-queue] [--detach]
    python -m pipeline_tooling.harness.sandbox logs
    python -m pipeline_tooling.harness.sandbox down

``up`` starts the engine E2E_TARGET names (or reaches it), deploys the module with the
package built from ``--source``, writes ``env.sh``, then watches the source: a save is
checked, built and shipped with UpdateFunctionCode, and every event the function handles
is printed as it happens. State lives in ``--state-dir`` (default build/sandbox).
"""
