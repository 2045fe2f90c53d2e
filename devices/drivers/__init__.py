"""Serial protocol clients for real instruments (pyserial underneath, pymodbus for Modbus RTU framing)."""

from devices.drivers.alicat import AlicatFlowController
from devices.drivers.eurotherm import EurothermController
from devices.drivers.mks import PR4000BController
from devices.drivers.pfeiffer import TPGGauge
from devices.drivers.transport import DeviceError, InstrumentError, LinkStats, PortSettings, SerialLink

__all__ = ["AlicatFlowController", "DeviceError", "EurothermController", "InstrumentError", "LinkStats",
           "PR4000BController", "PortSettings", "SerialLink", "TPGGauge"]
