import unittest

from fakes import FakeSession, job

from openstack_ca.client import CAClient
from openstack_ca.jobs import JobFailed, JobTimeout, wait_for_job


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(*statuses: str, reason=None) -> CAClient:
    s = FakeSession()
    for st in statuses:
        s.answer("GET", "/v1/jobs/j1", 200, job(st, reason=reason if st == "failed" else None))
    return CAClient(s)


class WaitTest(unittest.TestCase):
    def test_reports_each_state_change_once_and_returns_the_job(self):
        clock, seen = Clock(), []
        done = wait_for_job(scripted("queued", "queued", "running", "running", "succeeded"), "j1",
                            progress=lambda j, t: seen.append((j["status"], t)), clock=clock, sleep=clock.sleep)
        self.assertEqual(done["status"], "succeeded")
        self.assertEqual([s for s, _ in seen], ["queued", "running", "succeeded"])
        self.assertEqual(seen[0][1], 0.0)
        self.assertGreater(seen[-1][1], seen[1][1])

    def test_backs_off_up_to_the_interval(self):
        clock = Clock()
        wait_for_job(scripted(*["queued"] * 8, "succeeded"), "j1", interval=0.5, clock=clock, sleep=clock.sleep)
        self.assertEqual(clock.sleeps[:3], [0.1, 0.2, 0.4])
        self.assertEqual(max(clock.sleeps), 0.5)

    def test_failed_job_raises_with_its_reason(self):
        clock = Clock()
        with self.assertRaises(JobFailed) as e:
            wait_for_job(scripted("running", "failed", reason="PROFILE_NOT_FOUND: gone"), "j1",
                         clock=clock, sleep=clock.sleep)
        self.assertIn("PROFILE_NOT_FOUND: gone", str(e.exception))

    def test_timeout(self):
        clock = Clock()
        with self.assertRaises(JobTimeout) as e:
            wait_for_job(scripted("queued"), "j1", timeout=2, clock=clock, sleep=clock.sleep)
        self.assertIn("still queued after 2 s", str(e.exception))
        self.assertLessEqual(clock.now, 2.0)


if __name__ == "__main__":
    unittest.main()
