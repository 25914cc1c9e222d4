"""newsbot configuration: the settings root and its loaders."""

from newsbot.config.settings import Settings, config_file, load_settings, setting_origins
from newsbot.index.errors import ConfigError

__all__ = ["ConfigError", "Settings", "config_file", "load_settings", "setting_origins"]
