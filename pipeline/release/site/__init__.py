"""The release's static site (``site/``): pages anyone can read, built from the release's own
Parquet through the views of its ``load.sql``, with no server and no build tool.

- ``index.html``: every model of the newest date, a table the page's script filters and
  sorts (without the script it is the whole table);
- ``models/<name>.html``: a model's endpoints today, every price in its own unit, the price
  history of each endpoint as a chart, its time-of-day windows, its official token share and
  its benchmark figures;
- ``providers/<name>.html``: a provider's endpoints, data policy and price moves;
- ``changes/index.html`` and ``changes/<day>.html``: the change feed's days, and the dates
  held, accepted, failed or not collected.

Links are relative and nothing is asked of another host, so the folder works from
``file://`` and from any static host. Every page states the newest date, the data version
(a hash of the data files: a page cannot carry a hash of itself) and how to cite it.
"""

from pipeline.release.site.pages import SITE, SiteStats, write

__all__ = ["SITE", "SiteStats", "write"]
