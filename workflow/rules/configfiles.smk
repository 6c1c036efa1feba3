# The config files, read by sigforge before Snakemake merges them (sigforge.workflow.configs):
# a key written twice, a number YAML reads in another base (010, 1:30) or a mistake in the
# shipped file fails here with the file, line and key (Snakemake's own loader names neither,
# and keeps the last of two equal keys silently). Snakemake's command line reads the user's
# --configfile (and --config) first, so a file it cannot load at all (missing, a folder,
# broken or empty YAML, a malformed --config) stops there with Snakemake's own message.
# USER_CONFIG records what the user's --configfile(s) and --config set, so that common.smk can
# refuse a user config whose samples or reference would silently fall back to the bundled
# example's (configs.check_user_config says why and when). Job processes trust the main one.
from snakemake.exceptions import WorkflowError

from sigforge.io import InputError
from sigforge.workflow import config_places, configs

#: The shipped config file: the bundled example's settings, under every user config file.
#: Taken from beside the Snakefile (workflow.basedir), never from the run directory, so the
#: same config gives the same run from any directory (`snakemake -s PATH/Snakefile -d DIR`)
#: and a stray config/config.yaml where snakemake runs is never merged in.
SHIPPED_CONFIG = configs.shipped_config(workflow.basedir)

USER_CONFIG = configs.UserConfig()
KEY_PLACES = {}  # dotted key -> the file and line (or --config) that set it, for messages
if workflow.is_main_process:
    try:
        USER_CONFIG = configs.read_config_files(SHIPPED_CONFIG, workflow.overwrite_configfiles,
                                                workflow.config_settings.config)
    except InputError as err:
        raise WorkflowError(str(err)) from None
    KEY_PLACES = config_places.key_places(SHIPPED_CONFIG, workflow.overwrite_configfiles,
                                          workflow.config_settings.config)
