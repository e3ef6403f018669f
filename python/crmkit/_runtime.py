"""How many threads crmkit computes on."""

from __future__ import annotations

from crmkit import _crmkit


def set_num_threads(n: int) -> None:
    """Set the number of threads crmkit computes on.

    Every call shares one pool of threads. It starts on first use with ``CRMKIT_NUM_THREADS``
    threads when that environment variable is set (read once, then), else one per core;
    ``set_num_threads`` replaces it for the calls that follow. Results are the same bit for bit
    whatever the number of threads.

    Args:
        n: threads, from 1 to 1024.

    Raises:
        crmkit.ConfigError: for 0, more than 1024, or when the system refuses to start threads.

    Examples:
        >>> import crmkit
        >>> before = crmkit.get_num_threads()
        >>> crmkit.set_num_threads(1)
        >>> crmkit.get_num_threads()
        1
        >>> crmkit.set_num_threads(before)
    """
    _crmkit.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads crmkit computes on (see ``set_num_threads``).

    Examples:
        >>> import crmkit
        >>> crmkit.get_num_threads() >= 1
        True
    """
    return _crmkit.get_num_threads()
