; kidney3d's Windows installer (NSIS 3). tools/pack/package.sh runs
;   makensis -DVERSION=… -DSRC=folder -DOUTFILE=…-setup.exe kidney3d.nsi
; (with -DSIGN=tools/pack/sign.sh when it signs). SRC holds kidney3d.exe, onnxruntime.dll, DirectML.dll, kidney3d.ico and
; LICENSE.txt. It installs per user (no administrator rights, in
; %LOCALAPPDATA%\Programs\kidney3d) or per machine (Program Files), chosen on
; a page or with /CurrentUser or /AllUsers; /S installs silently and
; /D=FOLDER (last on the line) picks the folder. The uninstaller removes
; every file, shortcut and registry key it made.

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
ManifestDPIAware true

!define APP "kidney3d"
!define PROGID "kidney3d.nifti"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"

!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${UNINSTKEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallLocation"
!include MultiUser.nsh
!include MUI2.nsh
!include x64.nsh

; The uninstaller is written at install time: makensis signs it (with
; -DSIGN=sign.sh) before it packs it.
!ifdef SIGN
	!uninstfinalize '"${SIGN}" "%1"' = 0
!endif

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
BrandingText "${APP} ${VERSION}"
VIProductVersion "0.0.0.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "the kidney3d authors"

!define MUI_ICON "${SRC}\kidney3d.ico"
!define MUI_UNICON "${SRC}\kidney3d.ico"
!insertmacro MUI_PAGE_LICENSE "${SRC}\LICENSE.txt"
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
	${IfNot} ${RunningX64}
		MessageBox MB_ICONSTOP "kidney3d needs 64-bit Windows." /SD IDOK
		Abort
	${EndIf}
	SetRegView 64
	; MultiUser picks the folder of the install mode; /D= wins over it.
	StrCpy $0 $INSTDIR
	!insertmacro MULTIUSER_INIT
	StrCmp $0 "" +2
	StrCpy $INSTDIR $0
FunctionEnd

; NeedDLL adds NAME to $R0 when it is neither in System32 nor in $INSTDIR.
!macro NeedDLL NAME
	IfFileExists "$SYSDIR\${NAME}" +3
	IfFileExists "$INSTDIR\${NAME}" +2
	StrCpy $R0 "$R0 ${NAME}"
!macroend

; ONNX Runtime's onnxruntime.dll imports the Microsoft Visual C++ 2015-2022
; runtime (x64), which a clean Windows lacks; Microsoft's redistributable
; is not shipped in this installer. Without it kidney3d opens cases but runs
; no model (kidney3d --version says so): tell the user how to fix it.
Function CheckVCRuntime
	StrCpy $R0 ""
	!insertmacro NeedDLL "vcruntime140.dll"
	!insertmacro NeedDLL "vcruntime140_1.dll"
	!insertmacro NeedDLL "msvcp140.dll"
	!insertmacro NeedDLL "msvcp140_1.dll"
	!insertmacro NeedDLL "msvcp140_atomic_wait.dll"
	StrCmp $R0 "" vcdone
	DetailPrint "Microsoft Visual C++ runtime missing:$R0"
	MessageBox MB_ICONEXCLAMATION "kidney3d is installed, but its ONNX Runtime needs the Microsoft Visual C++ 2015-2022 Redistributable (x64), which this computer lacks (missing:$R0).$\r$\n$\r$\nInstall vc_redist.x64.exe from Microsoft (https://aka.ms/vs/17/release/vc_redist.x64.exe). Until then kidney3d opens cases but cannot run the segmentation models." /SD IDOK
vcdone:
FunctionEnd

Function un.onInit
	SetRegView 64
	!insertmacro MULTIUSER_UNINIT
FunctionEnd

Section "kidney3d"
	SetOutPath "$INSTDIR"
	File "${SRC}\kidney3d.exe"
	File "${SRC}\onnxruntime.dll"
	File "${SRC}\DirectML.dll"
	File "${SRC}\kidney3d.ico"
	File "${SRC}\LICENSE.txt"
	CreateDirectory "$INSTDIR\models"
	WriteUninstaller "$INSTDIR\uninstall.exe"

	CreateShortcut "$SMPROGRAMS\kidney3d.lnk" "$INSTDIR\kidney3d.exe" "" "$INSTDIR\kidney3d.ico"

	; File associations: .nii opens in kidney3d, .gz (.nii.gz) and folders
	; (cases, DICOM studies) offer it under "Open with".
	WriteRegStr SHCTX "Software\Classes\${PROGID}" "" "NIfTI medical image"
	WriteRegStr SHCTX "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\kidney3d.ico"
	WriteRegStr SHCTX "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\kidney3d.exe" view "%1"'
	WriteRegStr SHCTX "Software\Classes\.nii\OpenWithProgids" "${PROGID}" ""
	WriteRegStr SHCTX "Software\Classes\.gz\OpenWithProgids" "${PROGID}" ""
	WriteRegStr SHCTX "Software\Classes\Directory\shell\kidney3d" "" "Open with kidney3d"
	WriteRegStr SHCTX "Software\Classes\Directory\shell\kidney3d" "Icon" "$INSTDIR\kidney3d.ico"
	WriteRegStr SHCTX "Software\Classes\Directory\shell\kidney3d\command" "" '"$INSTDIR\kidney3d.exe" view "%1"'
	WriteRegStr SHCTX "Software\Classes\Applications\kidney3d.exe\shell\open\command" "" '"$INSTDIR\kidney3d.exe" view "%1"'

	WriteRegStr SHCTX "${UNINSTKEY}" "DisplayName" "kidney3d"
	WriteRegStr SHCTX "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr SHCTX "${UNINSTKEY}" "Publisher" "the kidney3d authors"
	WriteRegStr SHCTX "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\kidney3d.ico"
	WriteRegStr SHCTX "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr SHCTX "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
	WriteRegStr SHCTX "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
	WriteRegDWORD SHCTX "${UNINSTKEY}" "NoModify" 1
	WriteRegDWORD SHCTX "${UNINSTKEY}" "NoRepair" 1
	Call CheckVCRuntime
SectionEnd

Section "Uninstall"
	Delete "$SMPROGRAMS\kidney3d.lnk"
	DeleteRegKey SHCTX "Software\Classes\${PROGID}"
	DeleteRegValue SHCTX "Software\Classes\.nii\OpenWithProgids" "${PROGID}"
	DeleteRegKey /ifempty SHCTX "Software\Classes\.nii\OpenWithProgids"
	DeleteRegKey /ifempty SHCTX "Software\Classes\.nii"
	DeleteRegValue SHCTX "Software\Classes\.gz\OpenWithProgids" "${PROGID}"
	DeleteRegKey /ifempty SHCTX "Software\Classes\.gz\OpenWithProgids"
	DeleteRegKey SHCTX "Software\Classes\Directory\shell\kidney3d"
	DeleteRegKey SHCTX "Software\Classes\Applications\kidney3d.exe"
	DeleteRegKey SHCTX "${UNINSTKEY}"

	Delete "$INSTDIR\kidney3d.exe"
	Delete "$INSTDIR\onnxruntime.dll"
	Delete "$INSTDIR\DirectML.dll"
	Delete "$INSTDIR\kidney3d.ico"
	Delete "$INSTDIR\LICENSE.txt"
	Delete "$INSTDIR\uninstall.exe"
	; Model packages added by IT stay unless the folder is empty.
	RMDir "$INSTDIR\models"
	RMDir "$INSTDIR"
SectionEnd
