"""`serve` — the review desk (审查台) in a browser, over the same core as the CLI."""

from __future__ import annotations

from pathlib import Path

import click

from secreview.cli.common import AppState
from secreview.cli.ledger_cmds import handled
from secreview.errors import UsageError


def parse_bind(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[::1]:PORT``, ``:PORT`` or ``HOST`` (port 8765)."""
    text = text.strip()
    host, port = text, "8765"
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageError(f"--bind 的地址无效：{text}")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise UsageError(f"--bind 的地址无效：{text}")
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    host = host or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--bind 的端口无效：{port}（应为 1-65535）")
    return host, int(port)


@click.command()
@click.option(
    "--bind",
    default="127.0.0.1:8765",
    show_default=True,
    metavar="HOST:PORT",
    help="监听地址；默认只在本机（loopback）.",
)
@click.option(
    "--tls-cert",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="TLS 证书（PEM）.",
)
@click.option(
    "--tls-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="TLS 私钥（PEM）.",
)
@click.option(
    "--behind-tls-proxy",
    is_flag=True,
    help="由本机的反向代理提供 HTTPS：Cookie 标记 Secure.",
)
@click.option(
    "--insecure-bind",
    is_flag=True,
    help="允许在非本机地址上以明文 HTTP 提供服务（不推荐：口令将明文传输）.",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="浏览器访问所用的其他主机名（如 shencha.example.gov.cn）; repeatable.",
)
@click.option(
    "--idle-minutes",
    type=click.IntRange(min=1, max=480),
    default=20,
    show_default=True,
    help="会话空闲多少分钟后自动退出.",
)
@click.option(
    "--scan-workers",
    type=click.IntRange(min=1, max=16),
    default=1,
    show_default=True,
    help="审查文件的工作进程数.",
)
@click.pass_obj
def serve(
    state: AppState,
    bind: str,
    tls_cert: Path | None,
    tls_key: Path | None,
    behind_tls_proxy: bool,
    insecure_bind: bool,
    allowed_hosts: tuple[str, ...],
    idle_minutes: int,
    scan_workers: int,
) -> None:
    """审查台（网页）— web pages for drafters, reviewers, leaders and auditors.

    Serves on 127.0.0.1:8765 by default (this machine only). Another address needs TLS
    (--tls-cert and --tls-key), a TLS proxy in front (--behind-tls-proxy), or an explicit
    --insecure-bind: passphrases travel in every form that signs.

    \b
    Example:
      secreview --db 台账.db serve
      secreview --db 台账.db serve --bind 0.0.0.0:8443 --tls-cert desk.pem --tls-key desk.key \\
          --allowed-host shencha.example.gov.cn
    """
    with handled():
        host, port = parse_bind(bind)
        if (tls_cert is None) != (tls_key is None):
            raise UsageError("--tls-cert 和 --tls-key 须同时给出")
        try:
            import uvicorn

            from secreview.desk.app import DeskOptions, create_app
            from secreview.desk.web import is_loopback
        except ImportError as e:
            raise UsageError(
                f"审查台所需的组件未安装（{e.name}）：请安装 pip install 'secreview[desk]'"
            ) from e
        tls = tls_cert is not None
        if not is_loopback(host) and not (tls or behind_tls_proxy or insecure_bind):
            raise UsageError(
                f"拒绝在非本机地址 {host} 上以明文 HTTP 提供服务（口令会明文传输）：请用 "
                "--tls-cert/--tls-key 启用 HTTPS，或在本机反向代理后面运行（--behind-tls-proxy），"
                "确需明文时加 --insecure-bind"
            )
        if behind_tls_proxy and not is_loopback(host) and not tls and not insecure_bind:
            raise UsageError(
                "--behind-tls-proxy 时请只监听本机地址（由代理转发），或同时加 --insecure-bind"
            )
        config = state.config()
        from secreview.service import Ledger

        Ledger.open(config).close()  # a missing or broken ledger: one line now, not per page
        options = DeskOptions(
            host=host,
            port=port,
            tls=tls or behind_tls_proxy,
            idle_minutes=float(idle_minutes),
            allowed_hosts=allowed_hosts,
            scan_workers=scan_workers,
            warm_up=True,
        )
        app = create_app(config, options)
    scheme = "https" if tls else "http"
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"审查台已启动：{scheme}://{shown}:{port}/ （台账 {config.db_path}；Ctrl+C 停止）", err=True
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        log_level="warning",
        server_header=False,
        proxy_headers=False,
    )
