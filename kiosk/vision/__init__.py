"""Vision: the trainee's body language from video frames.

``landmarks`` runs the MediaPipe models; ``signals`` interprets one frame;
``summary`` turns a take's frames into shares and episodes; ``analyser``
ties them together for a take.
"""

from kiosk.vision.analyser import BodyAnalyser, analyse_frames, analyse_frames_in_halves, lost_frames_note
from kiosk.vision.baseline import BASELINED_CUES, body_baseline, judged_against_baseline, judged_frame
from kiosk.vision.isolated import BodyAnalysisFailed, FrameNotAnalysed
from kiosk.vision.signals import FrameSignals
from kiosk.vision.summary import BODY_CUES, BodySummary, BodyTimeline, CueSummary, summarise

__all__ = [
    "BASELINED_CUES",
    "BODY_CUES",
    "BodyAnalyser",
    "BodyAnalysisFailed",
    "BodySummary",
    "BodyTimeline",
    "CueSummary",
    "FrameNotAnalysed",
    "FrameSignals",
    "analyse_frames",
    "analyse_frames_in_halves",
    "body_baseline",
    "judged_against_baseline",
    "judged_frame",
    "lost_frames_note",
    "summarise",
]
