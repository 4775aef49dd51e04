"""The one place Primer's version is written."""

__version__ = "0.1.0"

# The desktop identity: the .desktop entry, icons and AppStream id the installers use, and
# the name the window announces so desktops match it to them.
APP_ID = "io.github.primerapp.Primer"
