; Inno Setup script for Primer's Windows installer; run by packaging/build.py, which passes
; /DVersion (from app/version.py), /DSource (PyInstaller's output folder) and /DIcon.
#ifndef Version
  #error Run through packaging/build.py, which passes the version.
#endif

[Setup]
AppId={{6F1C7A52-4E0B-4C8E-9B1D-3A7E2C5D9F10}
AppName=Primer
AppVersion={#Version}
AppPublisher=Primer developers
DefaultDirName={autopf}\Primer
DefaultGroupName=Primer
DisableProgramGroupPage=yes
PrivilegesRequiredOverridesAllowed=dialog
OutputBaseFilename=Primer-{#Version}-setup
SetupIconFile={#Icon}
UninstallDisplayIcon={app}\primerw.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible

[Files]
Source: "{#Source}\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Primer"; Filename: "{app}\primerw.exe"
Name: "{group}\Uninstall Primer"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\primerw.exe"; Description: "Open Primer"; Flags: nowait postinstall skipifsilent

; The user's chats live in their own profile (%APPDATA%\Primer), never under {app}, so
; uninstalling leaves them.
