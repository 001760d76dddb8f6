"""Write, audit, publish: a date's tables are written where no reader looks (``stage``),
compared with the previous published snapshot (``audit``), and moved into ``tables/`` only
when the audit holds; every decision is kept (``decisions``). A bad upstream day is held
with its raw, and every view, history, digest and report stays on the day before."""
