"""The bridge's only door to the MIP SDK: runtime loading, log-in, bulk reads, applying one action.

Nothing outside this package imports `clr` or `pythonnet`. Importing this
package does not start .NET; `connect()` (or `load_runtime()`) does.
"""

from bridge.sdk.runtime import LoadedRuntime, load_runtime
from bridge.sdk.session import Session, SiteInfo, connect

__all__ = ["LoadedRuntime", "Session", "SiteInfo", "connect", "load_runtime"]
