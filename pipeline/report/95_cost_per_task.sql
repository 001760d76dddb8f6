-- Accuracy against the average cost of one task, per OpenRouter benchmark run (the Data API's
-- /benchmarks): the cost of doing the task, reasoning tokens included, rather than a token
-- price. One row per run with both figures; on_frontier as cost_per_task_frontier says.
SELECT benchmark_type, model_permaslug, display_name, accuracy, avg_cost_per_task,
       on_frontier, as_of
FROM cost_per_task_frontier
ORDER BY benchmark_type, avg_cost_per_task
