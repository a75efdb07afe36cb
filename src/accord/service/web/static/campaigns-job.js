// A planning job's page: follow the job through the API until it completes or fails.
"use strict";

(function () {
  const box = document.getElementById("job");
  const POLL_MS = 2000;
  const status = box.querySelector("[data-testid=job-status]");
  const stage = box.querySelector("[data-testid=job-stage]");
  const progress = document.getElementById("job-progress");

  async function follow() {
    const response = await fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      status.textContent = `could not be read (HTTP ${response.status}); reload the page`;
      return;
    }
    const job = await response.json();
    status.textContent = job.status;
    stage.textContent = job.progress_stage || "not started";
    progress.value = job.progress_fraction;
    progress.textContent = `${Math.round(100 * job.progress_fraction)} %`;
    if (job.status === "completed" && job.plan_id !== null) {
      document.getElementById("job-plan-link").href = `/console/campaigns/plans/${job.plan_id}`;
      document.getElementById("job-done").hidden = false;
    } else if (job.status === "failed") {
      const error = document.getElementById("job-error");
      error.textContent = `The plan could not be made: ${job.error_message}`;
      error.hidden = false;
    } else {
      setTimeout(follow, POLL_MS);
    }
  }
  if (box.dataset.status === "queued" || box.dataset.status === "running") setTimeout(follow, POLL_MS);
})();
