"""The host's ``launch`` module: the launcher helpers of ``modules/launch_utils.py``."""

from modules.launch_utils import (  # noqa: F401  (re-exported for install.py scripts)
    args,
    commit_hash,
    dir_repos,
    git,
    git_clone,
    git_tag,
    index_url,
    is_installed,
    list_extensions,
    pip_commands,
    python,
    repo_dir,
    run,
    run_extension_installer,
    run_pip,
)
