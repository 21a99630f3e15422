"""The one Piccolo app: every table module and the migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

TABLE_MODULES = [
    "appliance.areas.accounts.tables",
    "appliance.areas.devices.tables",
    "appliance.areas.chats.tables",
    "appliance.areas.tags.tables",
    "appliance.areas.messages.tables",
    "appliance.areas.funnels.tables",
    "appliance.areas.assignments.tables",
    "appliance.areas.fields.tables",
    "appliance.areas.attendance.tables",
    "appliance.areas.files.tables",
]

APP_CONFIG = AppConfig(
    app_name="balcao",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=table_finder(modules=TABLE_MODULES, exclude_imported=True),
)
