"""Lane signals: traffic light, buzzer and vehicle-present input (gpiozero) and a simulator."""
