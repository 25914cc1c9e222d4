"""The Discord front end: client (thin), cog (slash commands), guards, buttons, render, feedback."""
