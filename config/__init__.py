"""newsbot configuration: the settings root and its loaders."""

from newsbot.config.settings import ConfigError, Settings, config_file, load_settings, setting_origins

__all__ = ["ConfigError", "Settings", "config_file", "load_settings", "setting_origins"]
