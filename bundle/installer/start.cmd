@echo off
rem Starts the gongkai-xlsx desk (gongkai-xlsx ui) in the browser. Written by the installer;
rem start.py holds the work folder. Close this window to stop the desk.
"%LOCALAPPDATA%\gongkai-xlsx\venv\Scripts\python.exe" "%LOCALAPPDATA%\gongkai-xlsx\start.py" %*
if errorlevel 1 pause
