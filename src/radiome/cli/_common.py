"""What every ``radiome`` sub-command shares: consoles and the error-to-exit-code wrapper."""

from __future__ import annotations

import functools
from typing import Any, Callable

import typer
from rich.console import Console

from radiome.errors import RadiomeError

__all__ = ["console", "err_console", "friendly"]

console = Console()
err_console = Console(stderr=True)


def friendly(interrupt_hint: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: a :class:`RadiomeError` becomes one clear line on stderr and exit code 2.

    With ``interrupt_hint``, Ctrl-C prints the hint and exits with code 130.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except RadiomeError as exc:
                err_console.print(f"[bold red]error[/] ({type(exc).__name__}): ", end="", highlight=False)
                err_console.print(str(exc), markup=False, highlight=False, soft_wrap=True)
                raise typer.Exit(code=2) from None
            except KeyboardInterrupt:
                if interrupt_hint is None:
                    raise
                err_console.print(interrupt_hint, highlight=False)
                raise typer.Exit(code=130) from None

        return wrapper

    return decorate
