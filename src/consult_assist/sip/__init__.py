"""SIP ingress: sans-I/O cores (messages, SDP, SIPREC, the UAS, RTP) and their asyncio transport.

Like the websockets library keeps its protocol core apart from its asyncio adapter, every module
here but :mod:`consult_assist.sip.server` is synchronous and takes time as an argument;
``server`` is the only one that owns sockets and the event loop.
"""
