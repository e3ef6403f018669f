from crmkit._crmkit import __version__
