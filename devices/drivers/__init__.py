"""Clients for real instruments: serial protocols (pyserial, pymodbus for Modbus RTU framing) and seabreeze."""

from devices.drivers.alicat import AlicatFlowController
from devices.drivers.eurotherm import EurothermController
from devices.drivers.mks import PR4000BController
from devices.drivers.pfeiffer import TPGGauge
from devices.drivers.seabreeze import SeaBreezeSpectrometer
from devices.drivers.transport import DeviceError, InstrumentError, LinkStats, PortSettings, SerialLink

__all__ = ["AlicatFlowController", "DeviceError", "EurothermController", "InstrumentError", "LinkStats",
           "PR4000BController", "PortSettings", "SeaBreezeSpectrometer", "SerialLink", "TPGGauge"]
