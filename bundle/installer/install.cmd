@echo off
rem gongkai-xlsx offline installer for Windows. ASCII only: cmd.exe reads this file in the
rem console code page; the Chinese messages are printed by installer\install.py.
rem Finds Python 3.11-3.13 (a bundled one, the py launcher, or a real python.exe - not the
rem Microsoft Store stub) and runs the installer with it. No admin rights, no network.
setlocal
pushd "%~dp0"
if not exist "installer\install.py" goto notextracted
set "PYEXE="
if exist "python\python.exe" set "PYEXE=python\python.exe"
for %%V in (3.13 3.12 3.11) do if not defined PYEXE py -%%V -c "" >nul 2>&1 && set "PYEXE=py -%%V"
if not defined PYEXE python -c "" >nul 2>&1 && set "PYEXE=python"
if not defined PYEXE goto nopython
%PYEXE% "installer\install.py" %*
set "RC=%ERRORLEVEL%"
pause
exit /b %RC%

:nopython
chcp 936 >nul
type "installer\no-python.txt"
pause
exit /b 1

:notextracted
echo Please extract the whole zip first (right click, Extract All), then run install.cmd.
pause
exit /b 1
