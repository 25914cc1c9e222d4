"""The Discord front end: a thin client, one cog, guards, buttons, rendering and the feedback log."""
