"""Following a job (/v1/jobs/{id}) until it finishes."""
from __future__ import annotations

import time
from typing import Callable, Optional

from openstack_ca.client import CAClient

FINISHED = ("succeeded", "failed")

Progress = Callable[[dict, float], None]


class JobFailed(Exception):
    """The job ended `failed`; its `reason` carries the service's code and message."""

    def __init__(self, job: dict) -> None:
        self.job = job
        super().__init__(f"job {job.get('id')} ({job.get('kind')}) failed: {job.get('reason') or 'no reason given'}")


class JobTimeout(Exception):
    def __init__(self, job: dict, timeout: float) -> None:
        self.job = job
        super().__init__(f"job {job.get('id')} is still {job.get('status')} after {timeout:g} s")


def wait_for_job(client: CAClient, job_id: str, timeout: float = 120.0, interval: float = 0.5,
                 progress: Optional[Progress] = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> dict:
    """Polls the job until it succeeds (returns it) or fails (JobFailed) or `timeout` passes
    (JobTimeout). `progress(job, elapsed)` is called each time the job's status changes."""
    started = clock()
    last: Optional[str] = None
    delay = min(0.1, interval)
    while True:
        job = client.get_job(job_id)
        elapsed = clock() - started
        if job.get("status") != last:
            last = job.get("status")
            if progress:
                progress(job, elapsed)
        if job.get("status") == "succeeded":
            return job
        if job.get("status") == "failed":
            raise JobFailed(job)
        if elapsed >= timeout:
            raise JobTimeout(job, timeout)
        sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(delay * 2, interval)
