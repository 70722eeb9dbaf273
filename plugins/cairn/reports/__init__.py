"""Reports for the people who run the district, written to the private folder only.

- `recognition`: HR's and the committee's recognition report (issue 17): per earner and school
  year, the credentials approved, each scheme's total (money included), milestones reached and
  when each pay change takes effect, as `recognition.csv` and a readable `recognition.html`.
"""

from cairn.reports.recognition import RECOGNITION_CSV, RECOGNITION_HTML, private_files, recognition_years, report_key

__all__ = ["RECOGNITION_CSV", "RECOGNITION_HTML", "private_files", "recognition_years", "report_key"]
