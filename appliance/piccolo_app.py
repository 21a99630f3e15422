"""The one Piccolo app: every table module and the migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

TABLE_MODULES = [
    "appliance.accounts.tables",
    "appliance.devices.tables",
    "appliance.chats.tables",
    "appliance.messages.tables",
    "appliance.funnels.tables",
    "appliance.assignments.tables",
    "appliance.fields.tables",
    "appliance.attendance.tables",
    "appliance.files.tables",
]

APP_CONFIG = AppConfig(
    app_name="balcao",
    migrations_folder_path=str(Path(__file__).parent / "db" / "migrations"),
    table_classes=table_finder(modules=TABLE_MODULES, exclude_imported=True),
)
